/**
 * headManifest's promise: a digest by HEAD when the registry names one in Docker-Content-Digest (cheap, and not a
 * pull on Docker Hub), by GET and hashing when it names none, names something that is no digest, or the caller asks
 * to verify; and where it came from, in `source`. A HEAD of `repo@A` answered with `B` is refused
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#checking-if-content-exists-in-the-registry).
 */
import { DigestMismatchError } from "@regatta/errors";
import { computeDigest, DOCKER_MANIFEST, OCI_MANIFEST } from "@regatta/manifest";
import { generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AnsweringRegistry, answeringRegistry } from "./test-answering-registry.js";

let bytes: Uint8Array;
let configBytes: Uint8Array;
let digest: string;
let other: string;
let registry: AnsweringRegistry | undefined;

beforeAll(async () => {
  const image = await generateImage({ layers: [16], seed: "head", platform: "linux/amd64" });
  bytes = image.manifest.bytes;
  configBytes = image.config.bytes;
  digest = computeDigest(bytes);
  other = computeDigest(new TextEncoder().encode("another manifest"));
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** A registry whose HEAD sends `headHeaders`, and whose GET sends the manifest. */
async function answering(headHeaders: Record<string, string>) {
  registry = await answeringRegistry((request) =>
    request.method === "HEAD"
      ? { headers: headHeaders }
      : request.path.includes("/blobs/")
        ? { body: configBytes }
        : { headers: { "content-type": OCI_MANIFEST }, body: bytes },
  );
  return registry;
}
const methods = () => registry!.seen.map((r) => r.method);

describe("headManifest by HEAD", () => {
  it("takes the registry's Docker-Content-Digest, media type and size, sending one HEAD", async () => {
    const { reg, host, seen } = await answering({
      "docker-content-digest": digest,
      "content-type": `${DOCKER_MANIFEST} ; charset=utf-8`,
      "content-length": "1234",
      "x-note": "kept",
    });
    const head = await reg.head(`${host}/team/app:v1`);
    expect(head).toMatchObject({ digest, source: "header", mediaType: DOCKER_MANIFEST, size: 1234 });
    expect(head.headers["x-note"]).toBe("kept");
    expect(methods()).toEqual(["HEAD"]);
    expect(seen[0]!.path).toBe("/v2/team/app/manifests/v1");
    expect(seen[0]!.headers.accept).toContain(OCI_MANIFEST);
  });

  it("sends the Accept header the caller chose", async () => {
    const { reg, host, seen } = await answering({ "docker-content-digest": digest });
    await reg.head(`${host}/a:v1`, { accept: "schema2" });
    expect(seen[0]!.headers.accept).toBe(DOCKER_MANIFEST);
  });

  it("leaves out a media type and a size the registry did not send", async () => {
    const { reg, host } = await answering({ "docker-content-digest": digest });
    const head = await reg.head(`${host}/a:v1`);
    expect(head).toEqual({ digest, source: "header", headers: expect.any(Object) });
  });

  it("takes a size of zero as a size", async () => {
    const { reg, host } = await answering({ "docker-content-digest": digest, "content-length": "0" });
    expect((await reg.head(`${host}/a:v1`)).size).toBe(0);
  });

  it("trusts the reference's digest when the registry names none, without a GET", async () => {
    const { reg, host } = await answering({});
    const head = await reg.head(`${host}/a@${other}`);
    expect(head).toMatchObject({ digest: other, source: "reference" });
    expect(methods()).toEqual(["HEAD"]);
  });

  it("keeps the reference's digest when the registry answers with the same one", async () => {
    const { reg, host } = await answering({ "docker-content-digest": digest });
    expect(await reg.head(`${host}/a@${digest}`)).toMatchObject({ digest, source: "reference" });
  });

  it("keeps the reference's digest when the registry names the manifest in another algorithm", async () => {
    const sha512 = computeDigest(bytes, "sha512");
    const { reg, host } = await answering({ "docker-content-digest": digest });
    expect(await reg.head(`${host}/a@${sha512}`)).toMatchObject({ digest: sha512, source: "reference" });
  });

  it("refuses a registry that answers a digest reference with another digest", async () => {
    const { reg, host, url } = await answering({ "docker-content-digest": other });
    const error = await reg.head(`${host}/a@${digest}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as Error).message).toBe(
      `get manifest digest of ${host}/a@${digest}: the registry answered for another manifest (asked for ${digest}, its Docker-Content-Digest is ${other}); it or a proxy in front of it is broken or lying`,
    );
    expect(error).toMatchObject({
      expected: digest,
      actual: other,
      status: 200,
      request: { method: "HEAD", url: `${url}/v2/a/manifests/${digest}` },
    });
    expect(methods()).toEqual(["HEAD"]);
  });

  it("stops at the caller's abort signal", async () => {
    const { reg, host } = await answering({ "docker-content-digest": digest });
    await expect(reg.head(`${host}/a:v1`, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(methods()).toEqual([]);
  });
});

describe("headManifest by GET", () => {
  it.each([
    ["no Docker-Content-Digest", {}],
    ["a Docker-Content-Digest that is no digest", { "docker-content-digest": "sha256:not a digest" }],
    // Within the grammar but nothing a caller can use as REPO@DIGEST (crane's digest refuses these too).
    ["a sha256 that is no hex", { "docker-content-digest": "sha256:zzz" }],
    ["an unregistered algorithm", { "docker-content-digest": "md5:abc" }],
    ["upper-case hex", { "docker-content-digest": `sha256:${"A".repeat(64)}` }],
  ])("hashes the manifest when the HEAD brings %s", async (_what, headers) => {
    const { reg, host } = await answering(headers);
    const head = await reg.head(`${host}/a:v1`);
    expect(head).toMatchObject({
      digest,
      source: "verified",
      mediaType: OCI_MANIFEST,
      size: bytes.byteLength,
    });
    expect(head.headers["content-type"]).toBe(OCI_MANIFEST);
    expect(methods()).toEqual(["HEAD", "GET"]);
  });

  it("GETs without a HEAD when asked to verify", async () => {
    const { reg, host } = await answering({ "docker-content-digest": other });
    expect(await reg.head(`${host}/a:v1`, { verify: true })).toMatchObject({ digest, source: "verified" });
    expect(methods()).toEqual(["GET"]);
  });

  it("GETs without a HEAD for a platform", async () => {
    const { reg, host } = await answering({ "docker-content-digest": other });
    const head = await reg.head(`${host}/a:v1`, { platform: "linux/amd64" });
    expect(head).toMatchObject({ digest, source: "verified" });
    // A single image has nothing to choose from: its config says whether it is of that platform.
    expect(registry!.seen.map((r) => `${r.method} ${r.path.replace(/sha256:\w+/, "…")}`)).toEqual([
      "GET /v2/a/manifests/v1",
      "GET /v2/a/blobs/…",
    ]);
  });

  it("refuses a single image of another platform, as config and inspect do", async () => {
    const { reg, host } = await answering({ "docker-content-digest": other });
    await expect(reg.head(`${host}/a:v1`, { platform: "linux/arm64" })).rejects.toThrow(
      "is a single image for linux/amd64, not linux/arm64",
    );
  });

  it("digest() is the HEAD's digest", async () => {
    const { reg, host } = await answering({ "docker-content-digest": other });
    expect(await reg.digest(`${host}/a:v1`)).toBe(other);
  });
});
