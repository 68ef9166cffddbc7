/**
 * putManifest sends the bytes whose digest it reports: bytes as given, a string as its UTF-8, something carrying
 * bytes as those bytes, anything else serialised once; with the Content-Type the caller chose, else the one the
 * manifest names; to the tag, or to the digest when the reference has none
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests). A digest in the
 * reference, and the registry's Docker-Content-Digest, must both be the digest of those bytes.
 */
import { DigestMismatchError, UnsupportedError } from "@regatta/errors";
import {
  computeDigest,
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  serializeManifest,
} from "@regatta/manifest";
import { generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  type AnsweringRegistry,
  answeringRegistry,
  schema1Bytes,
} from "./test-answering-registry.js";

let image: Awaited<ReturnType<typeof generateImage>>;
let bytes: Uint8Array;
let digest: string;
let registry: AnsweringRegistry | undefined;

beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "put" });
  bytes = image.manifest.bytes;
  digest = image.manifest.digest;
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function answering(answer: Answer = { status: 201 }) {
  registry = await answeringRegistry(() => answer);
  return registry;
}
const sent = () => registry!.seen[0]!;

describe("putManifest's request", () => {
  it("PUTs the exact bytes to the tag, as the manifest's media type, and reports them", async () => {
    const { reg, host } = await answering();
    const put = await reg.putManifest(`${host}/team/app:v1`, bytes);
    expect(sent()).toMatchObject({ method: "PUT", path: "/v2/team/app/manifests/v1" });
    expect(sent().headers["content-type"]).toBe(OCI_MANIFEST);
    expect(sent().body.equals(Buffer.from(bytes))).toBe(true);
    // Strictly: no `location` key at all when the registry sent none.
    expect(put).toStrictEqual({
      reference: put.reference,
      digest,
      mediaType: OCI_MANIFEST,
      size: bytes.byteLength,
    });
    expect(put.reference.toString()).toBe(`${host}/team/app:v1@${digest}`);
  });

  it("PUTs to the digest when the reference has no tag", async () => {
    const { reg, host } = await answering();
    const put = await reg.putManifest(`${host}/a@${digest}`, bytes);
    expect(sent().path).toBe(`/v2/a/manifests/${digest}`);
    expect(put.reference.toString()).toBe(`${host}/a@${digest}`);
  });

  it("PUTs to the sha512 digest it computes when the reference names one", async () => {
    const sha512 = computeDigest(bytes, "sha512");
    // A registry naming it by sha256 is not contradicting it.
    const { reg, host } = await answering({ status: 201, headers: { "docker-content-digest": digest } });
    const put = await reg.putManifest(`${host}/a@${sha512}`, bytes);
    expect(sent().path).toBe(`/v2/a/manifests/${sha512}`);
    expect(put.digest).toBe(sha512);
  });

  it("sends a string as its UTF-8 bytes", async () => {
    const { reg, host } = await answering();
    const text = Buffer.from(bytes).toString("utf8");
    expect((await reg.putManifest(`${host}/a:v1`, text)).digest).toBe(digest);
    expect(sent().body.equals(Buffer.from(bytes))).toBe(true);
  });

  it("sends the bytes of something carrying them, as its media type", async () => {
    const { reg, host } = await answering();
    const { mediaType: _, ...rest } = JSON.parse(Buffer.from(bytes).toString()) as Record<string, unknown>;
    const bare = new TextEncoder().encode(JSON.stringify(rest));
    const put = await reg.putManifest(`${host}/a:v1`, { bytes: bare, mediaType: DOCKER_MANIFEST });
    expect(sent().headers["content-type"]).toBe(DOCKER_MANIFEST);
    expect(sent().body.equals(Buffer.from(bare))).toBe(true);
    expect(put).toMatchObject({ digest: computeDigest(bare), mediaType: DOCKER_MANIFEST });
  });

  it("ignores a media type that is not a string", async () => {
    const { reg, host } = await answering();
    const put = await reg.putManifest(`${host}/a:v1`, { bytes, mediaType: 7 });
    expect(put.mediaType).toBe(OCI_MANIFEST);
    expect(sent().headers["content-type"]).toBe(OCI_MANIFEST);
  });

  it("serialises a plain object once and sends those bytes", async () => {
    const { reg, host } = await answering();
    const object = JSON.parse(Buffer.from(bytes).toString()) as object;
    const serialised = serializeManifest(object);
    const put = await reg.putManifest(`${host}/a:v1`, object);
    expect(sent().body.equals(Buffer.from(serialised.bytes))).toBe(true);
    expect(put.digest).toBe(serialised.digest);
  });

  it("sends the caller's media type over the manifest's own", async () => {
    const { reg, host } = await answering();
    const custom = "application/vnd.oci.image.manifest.v1+json; charset=utf-8";
    const put = await reg.putManifest(
      `${host}/a:v1`,
      { bytes, mediaType: DOCKER_MANIFEST },
      { mediaType: custom },
    );
    expect(sent().headers["content-type"]).toBe(custom);
    expect(put.mediaType).toBe(custom);
  });

  it("stops at the caller's abort signal", async () => {
    const { reg, host } = await answering();
    await expect(reg.putManifest(`${host}/a:v1`, bytes, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(registry!.seen).toEqual([]);
  });
});

describe("putManifest's refusals", () => {
  it("refuses bytes that are not the reference's digest, sending nothing", async () => {
    const { reg, host, seen } = await answering();
    const other = computeDigest(new TextEncoder().encode("other"));
    const error = await reg.putManifest(`${host}/a@${other}`, bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(error).toMatchObject({
      message: `put manifest ${host}/a@${other}: the manifest's digest is ${digest}, not ${other}`,
      expected: other,
      actual: digest,
    });
    expect(seen).toEqual([]);
  });

  it("sends a schema 1 manifest, and reads distribution's bare 500 to it as schema 1 being off", async () => {
    const { reg, host, seen } = await answering({
      status: 500,
      headers: { "content-type": "application/json" },
      body: '{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{}}]}',
    });
    const error = await reg.putManifest(`${host}/a:v1`, schema1Bytes("a")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(
      `put manifest ${host}/a:v1: ${host} refused a Docker schema 1 manifest (500 UNKNOWN): distribution answers so when schema 1 is off`,
    );
    expect(seen.length).toBeGreaterThan(0);
  });

  it("refuses bytes whose own mediaType contradicts the one carried with them, sending nothing", async () => {
    const { reg, host, seen } = await answering();
    const error = await reg
      .putManifest(`${host}/a:v1`, { bytes, mediaType: OCI_INDEX })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(`but the body's mediaType is ${OCI_MANIFEST}`);
    expect(seen).toEqual([]);
  });

  it("refuses a registry that stores the bytes under another digest", async () => {
    const other = computeDigest(new TextEncoder().encode("other"));
    const { reg, host } = await answering({ status: 201, headers: { "docker-content-digest": other } });
    const error = await reg.putManifest(`${host}/a:v1`, bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(error).toMatchObject({
      message: `put manifest ${host}/a:v1: the registry stored the manifest as ${other}, but the bytes sent hash to ${digest}`,
      expected: digest,
      actual: other,
    });
  });
});

describe("putManifest's answer", () => {
  it.each([200, 201, 202, 204])("takes %i as success", async (status) => {
    const { reg, host } = await answering({ status, headers: { "docker-content-digest": digest } });
    expect((await reg.putManifest(`${host}/a:v1`, bytes)).digest).toBe(digest);
  });

  it("takes no other 2xx as success", async () => {
    const { reg, host } = await answering({ status: 203 });
    await expect(reg.putManifest(`${host}/a:v1`, bytes)).rejects.toThrow();
  });

  it("reports the registry's Location as an absolute URL", async () => {
    const { reg, host, url } = await answering({
      status: 201,
      headers: { location: `/v2/a/manifests/${digest}`, "docker-content-digest": digest },
    });
    expect((await reg.putManifest(`${host}/a:v1`, bytes)).location).toBe(`${url}/v2/a/manifests/${digest}`);
  });
});
