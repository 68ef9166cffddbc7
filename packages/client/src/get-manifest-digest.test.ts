/**
 * A fetched manifest is the manifest asked for: its digest is computed over the exact bytes received, checked against
 * the digest in the reference and against the registry's Docker-Content-Digest, each in its own algorithm
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests: "the client SHOULD
 * verify the returned manifest matches this digest").
 */
import { DigestMismatchError } from "@regatta/errors";
import { computeDigest, OCI_MANIFEST } from "@regatta/manifest";
import { generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AnsweringRegistry, answeringRegistry, rejection } from "./test-answering-registry.js";

let served: Uint8Array;
let other: Uint8Array;
let sha256: string;
let sha512: string;
let otherSha256: string;
let otherSha512: string;
let registry: AnsweringRegistry | undefined;

beforeAll(async () => {
  served = (await generateImage({ layers: [16], seed: "digest-served" })).manifest.bytes;
  other = (await generateImage({ layers: [16], seed: "digest-other" })).manifest.bytes;
  sha256 = computeDigest(served);
  sha512 = computeDigest(served, "sha512");
  otherSha256 = computeDigest(other);
  otherSha512 = computeDigest(other, "sha512");
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** A registry answering every manifest GET with the served bytes and, when given, this Docker-Content-Digest. */
async function serving(header?: string) {
  registry = await answeringRegistry(() => ({
    headers: { "content-type": OCI_MANIFEST, ...(header ? { "docker-content-digest": header } : {}) },
    body: served,
  }));
  return registry;
}

const refusal = (promise: Promise<unknown>) => rejection(promise, DigestMismatchError);

describe("getManifest by tag", () => {
  it.each([
    ["no Docker-Content-Digest", undefined],
    ["a matching Docker-Content-Digest", "sha256"],
  ])("with %s: the digest of the bytes received", async (_what, header) => {
    const { reg, host } = await serving(header && sha256);
    const got = await reg.manifest(`${host}/a:v1`);
    expect(got.digest).toBe(sha256);
    expect(got.reference.toString()).toBe(`${host}/a:v1@${sha256}`);
  });

  it("with a sha512 Docker-Content-Digest: hashed in sha512 and checked", async () => {
    const { reg, host } = await serving(sha512);
    expect((await reg.manifest(`${host}/a:v1`)).digest).toBe(sha512);
  });

  it.each([
    ["sha256", () => otherSha256, () => sha256],
    ["sha512", () => otherSha512, () => sha512],
  ])("refuses a %s Docker-Content-Digest that names other content", async (_algorithm, header, actual) => {
    const { reg, host, url } = await serving(header());
    const error = await refusal(reg.manifest(`${host}/a:v1`));
    expect(error.message).toBe(
      `get manifest ${host}/a:v1: the manifest received does not match the registry's Docker-Content-Digest (expected ${header()}, got ${actual()})`,
    );
    expect(error).toMatchObject({
      expected: header(),
      actual: actual(),
      status: 200,
      request: { method: "GET", url: `${url}/v2/a/manifests/v1` },
    });
  });
});

describe("getManifest by digest", () => {
  it("accepts the bytes of the digest asked for", async () => {
    const { reg, host, seen } = await serving(sha256);
    const got = await reg.manifest(`${host}/a@${sha256}`);
    expect(got.digest).toBe(sha256);
    expect(seen.map((r) => r.path)).toEqual([`/v2/a/manifests/${sha256}`]);
  });

  it("accepts a sha512 digest, computed in sha512", async () => {
    const { reg, host } = await serving();
    expect((await reg.manifest(`${host}/a@${sha512}`)).digest).toBe(sha512);
  });

  it("keeps the reference's algorithm when the registry names the content in another (and skips checking that claim)", async () => {
    const right = await serving(sha512);
    expect((await right.reg.manifest(`${right.host}/a@${sha256}`)).digest).toBe(sha256);
    await right.close();
    // A claim in another algorithm than the one compared is not checked: it cannot be, without hashing twice.
    const wrong = await serving(otherSha512);
    expect((await wrong.reg.manifest(`${wrong.host}/a@${sha256}`)).digest).toBe(sha256);
  });

  it.each([
    ["no Docker-Content-Digest", () => undefined],
    ["a Docker-Content-Digest that matches what it sent", () => sha256],
  ])("refuses other content, sent with %s", async (_what, header) => {
    const { reg, host, url } = await serving(header());
    const error = await refusal(reg.manifest(`${host}/a@${otherSha256}`));
    expect(error.message).toBe(
      `get manifest ${host}/a@${otherSha256}: the manifest received does not match the requested digest (expected ${otherSha256}, got ${sha256})`,
    );
    expect(error).toMatchObject({
      expected: otherSha256,
      actual: sha256,
      status: 200,
      request: { method: "GET", url: `${url}/v2/a/manifests/${otherSha256}` },
    });
  });

  it("refuses other content asked for by sha512", async () => {
    const { reg, host } = await serving();
    const error = await refusal(reg.manifest(`${host}/a@${otherSha512}`));
    expect(error).toMatchObject({ expected: otherSha512, actual: sha512 });
  });

  it("refuses the right content under a Docker-Content-Digest that names other content", async () => {
    const { reg, host } = await serving(otherSha256);
    const error = await refusal(reg.manifest(`${host}/a@${sha256}`));
    expect(error.message).toContain("does not match the registry's Docker-Content-Digest");
    expect(error).toMatchObject({ expected: otherSha256, actual: sha256 });
  });
});
