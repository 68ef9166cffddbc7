/**
 * Where a copy goes (copyTarget in copy.ts, as skopeo, crane and regctl name targets): a target repository alone
 * takes the source's tag, or latest when the source names none; a target with a tag or a digest is taken as written;
 * a target without a registry is on the client's. A schema 1 source is refused before anything is sent.
 */
import { UnsupportedError } from "@regatta/errors";
import { computeDigest, DOCKER_SCHEMA1_MANIFEST } from "@regatta/manifest";
import { parseReference } from "@regatta/reference";
import { fakeRepository, type GeneratedImage, generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "./registry-client.js";
import { fakeRegistries, schema1Bytes } from "./test-answering-registry.js";

let image: GeneratedImage;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "copy-target" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

function open() {
  const opened = fakeRegistries({
    "src.test": { "team/app": fakeRepository({ v1: image }) },
    "dst.test": {},
  });
  reg = opened.reg;
  return opened.handlers;
}
const puts = (requests: { method: string; path: string }[]) =>
  requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/")).map((r) => r.path);

describe("copy's target", () => {
  it("a repository alone takes the source's tag", async () => {
    const handlers = open();
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/mirror/app");
    expect(result.target).toBe(`dst.test/mirror/app:v1@${image.manifest.digest}`);
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/mirror/app/manifests/v1"]);
  });

  it("a repository alone, for a source named by digest only, is tagged latest (as skopeo, crane and regctl do)", async () => {
    const handlers = open();
    const result = await reg!.copy(`src.test/team/app@${image.manifest.digest}`, "dst.test/mirror/app");
    expect(result.target).toBe(`dst.test/mirror/app:latest@${image.manifest.digest}`);
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/mirror/app/manifests/latest"]);
    expect(handlers["dst.test"].store.repository("mirror/app")!.tags!.get("latest")).toBe(
      image.manifest.digest,
    );
  });

  it("a repository alone, for a source with a tag and a digest, takes the tag", async () => {
    const handlers = open();
    const result = await reg!.copy(`src.test/team/app:v1@${image.manifest.digest}`, "dst.test/mirror/app");
    expect(result.target).toBe(`dst.test/mirror/app:v1@${image.manifest.digest}`);
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/mirror/app/manifests/v1"]);
  });

  it("a tag is taken as written", async () => {
    const handlers = open();
    await reg!.copy("src.test/team/app:v1", "dst.test/mirror/app:stable");
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/mirror/app/manifests/stable"]);
  });

  it("a digest is taken as written", async () => {
    const handlers = open();
    const result = await reg!.copy("src.test/team/app:v1", `dst.test/mirror/app@${image.manifest.digest}`);
    expect(result.target).toBe(`dst.test/mirror/app@${image.manifest.digest}`);
    expect(puts(handlers["dst.test"].requests)).toEqual([
      `/v2/mirror/app/manifests/${image.manifest.digest}`,
    ]);
  });

  it("a digest the manifest does not have is refused before any blob is sent", async () => {
    const handlers = open();
    const wrong = `sha256:${"0".repeat(64)}`;
    await expect(reg!.copy("src.test/team/app:v1", `dst.test/mirror/app@${wrong}`)).rejects.toThrow(
      `the manifest to push is ${image.manifest.digest}, not the target's ${wrong}`,
    );
    expect(handlers["dst.test"].requests.filter((r) => r.method !== "HEAD" && r.method !== "GET")).toEqual(
      [],
    );
  });

  it("a target without a registry is on the client's, with no tag added by default", async () => {
    const handlers = open();
    const result = await reg!.copy("src.test/team/app:v1", "team/copy");
    expect(result.target).toBe(`src.test/team/copy:v1@${image.manifest.digest}`);
    expect(handlers["src.test"].store.repository("team/copy")!.tags!.get("v1")).toBe(image.manifest.digest);
  });

  it("a reference value is taken as it is", async () => {
    const handlers = open();
    await reg!.copy("src.test/team/app:v1", parseReference("dst.test/mirror/app:other"));
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/mirror/app/manifests/other"]);
  });

  it("refuses a schema 1 source before sending anything", async () => {
    const schema1 = schema1Bytes("old/app");
    const digest = computeDigest(schema1);
    const opened = fakeRegistries({
      "src.test": {
        "old/app": {
          tags: { v1: digest },
          manifests: { [digest]: { bytes: schema1, mediaType: DOCKER_SCHEMA1_MANIFEST } },
        },
      },
      "dst.test": {},
    });
    reg = opened.reg;
    const error = await reg.copy("src.test/old/app:v1", "dst.test/old/app:v1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe(
      "copy src.test/old/app:v1: Docker schema 1 manifests cannot be pushed to current registries",
    );
    expect(opened.handlers["dst.test"].requests).toEqual([]);
  });
});
