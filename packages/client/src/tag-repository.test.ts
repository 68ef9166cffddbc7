/**
 * tag into another repository of the same registry (tag.ts): what the manifest references is brought over first by
 * the copy machinery (blobs mounted, `POST /v2/<target>/blobs/uploads/?mount=<digest>&from=<source>`, an index's
 * children pushed by digest), then the tag, last; the source is read once, by tag, and everything after by digest.
 * Within one repository nothing but the manifest moves.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository
 */
import { fakeRepository, type GeneratedIndex, generateIndex } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "./registry-client.js";
import { fakeRegistries } from "./test-answering-registry.js";

let index: GeneratedIndex;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64/v8"],
    layers: [16, 32],
    seed: "tag-repo",
  });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

function open() {
  const opened = fakeRegistries({ "reg.test": { "team/app": fakeRepository({ v1: index }) } });
  reg = opened.reg;
  return opened.handlers["reg.test"].requests;
}

describe("tag into another repository", () => {
  it("mounts every blob, pushes the children by digest, then the index by digest and under the tag, last", async () => {
    const requests = open();
    const pushed = await reg!.tag("reg.test/team/app:v1", "reg.test/release/app:stable");
    expect(pushed.digest).toBe(index.index.digest);
    expect(pushed.reference.toString()).toBe(`reg.test/release/app:stable@${index.index.digest}`);
    const blobs = index.children.flatMap((c) => [c.config, ...c.layers]).map((b) => b.digest);
    const mounts = requests
      .filter((r) => r.method === "POST")
      .map((r) => new URL(r.path, "http://x").searchParams)
      .map((q) => [q.get("mount"), q.get("from")]);
    expect(mounts.map(([digest]) => digest).sort()).toEqual([...new Set(blobs)].sort());
    expect(new Set(mounts.map(([, from]) => from))).toEqual(new Set(["team/app"]));
    // No byte of a blob is sent: every one is mounted.
    expect(
      requests.filter((r) => r.method === "PATCH" || (r.method === "PUT" && r.path.includes("/blobs/"))),
    ).toEqual([]);
    const manifestPuts = requests
      .filter((r) => r.method === "PUT" && r.path.includes("/manifests/"))
      .map((r) => r.path);
    expect(manifestPuts).toEqual([
      ...index.children.map((c) => `/v2/release/app/manifests/${c.manifest.digest}`),
      `/v2/release/app/manifests/${index.index.digest}`,
      "/v2/release/app/manifests/stable",
    ]);
    expect((await reg!.manifest("reg.test/release/app:stable")).digest).toBe(index.index.digest);
  });

  it("reads the source's tag once and then only by digest, so a tag moved meanwhile cannot split the two", async () => {
    const requests = open();
    await reg!.tag("reg.test/team/app:v1", "reg.test/release/app:stable");
    const byTag = requests.filter((r) => r.path === "/v2/team/app/manifests/v1");
    expect(byTag.map((r) => r.method)).toEqual(["GET"]);
  });

  it("refuses a target naming no tag, or a digest the manifest does not have, before writing anything", async () => {
    const requests = open();
    await expect(reg!.tag("reg.test/team/app:v1", `reg.test/other@${index.index.digest}`)).rejects.toThrow(
      "tag needs a tag to write: reg.test/other@sha256:",
    );
    const wrong = `sha256:${"0".repeat(64)}`;
    await expect(reg!.tag("reg.test/team/app:v1", `reg.test/other:v2@${wrong}`)).rejects.toThrow(
      `the manifest is ${index.index.digest}, not the target's ${wrong}`,
    );
    expect(requests.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([]);
  });

  it("within one repository moves nothing but the manifest", async () => {
    const requests = open();
    const pushed = await reg!.tag("reg.test/team/app:v1", "v2");
    expect(pushed.reference.toString()).toBe(`reg.test/team/app:v2@${index.index.digest}`);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v2/team/app/manifests/v1",
      "PUT /v2/team/app/manifests/v2",
    ]);
  });
});
