/**
 * What a manifest GET asks for and what it hands back: the Accept header the caller chose (presets expanded, each
 * type once), the exact bytes with their size and headers, the Content-Type used to read a body that names no
 * mediaType, and a size cap a hostile registry cannot push past
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
 */
import { ProtocolError } from "@regatta/errors";
import {
  ALL_MANIFEST_TYPES,
  computeDigest,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
} from "@regatta/manifest";
import { generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_MANIFEST_BYTES, type ManifestOptions } from "./get-manifest.js";
import { type Answer, type AnsweringRegistry, answeringRegistry } from "./test-answering-registry.js";

let image: Awaited<ReturnType<typeof generateImage>>;
let registry: AnsweringRegistry | undefined;

beforeAll(async () => {
  image = await generateImage({ layers: [16, 32], seed: "manifest-request" });
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function answering(answer: () => Answer) {
  registry = await answeringRegistry(answer);
  return registry;
}
const manifestAnswer = (): Answer => ({
  headers: { "Content-Type": OCI_MANIFEST, "X-Registry-Note": "kept" },
  body: image.manifest.bytes,
});

describe("getManifest's request", () => {
  it("GETs the repository's manifest by tag, accepting every manifest type by default", async () => {
    const { reg, host, seen } = await answering(manifestAnswer);
    await reg.manifest(`${host}/team/app:v1`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", path: "/v2/team/app/manifests/v1" });
    expect(seen[0]!.headers.accept).toBe(ALL_MANIFEST_TYPES.join(", "));
  });

  it.each<[string, ManifestOptions["accept"], string]>([
    ["a preset", "schema2", DOCKER_MANIFEST],
    ["presets", ["oci", "index"], `${OCI_MANIFEST}, ${OCI_INDEX}`],
    [
      "a preset and a type it names, once",
      [OCI_MANIFEST, "oci", "list"],
      `${OCI_MANIFEST}, ${DOCKER_MANIFEST_LIST}`,
    ],
    [
      "a media type of the caller's",
      ["application/vnd.example.manifest+json"],
      "application/vnd.example.manifest+json",
    ],
    // Names of Object.prototype are no presets: they are sent as the caller wrote them.
    ["a name that is only a property of every object", ["toString", "constructor"], "toString, constructor"],
  ])("accepts %s as asked", async (_what, accept, header) => {
    const { reg, host, seen } = await answering(manifestAnswer);
    await reg.manifest(`${host}/a:v1`, { accept: accept! }).catch(() => undefined);
    expect(seen[0]!.headers.accept).toBe(header);
  });

  it("stops at the caller's abort signal", async () => {
    const { reg, host } = await answering(manifestAnswer);
    const controller = new AbortController();
    controller.abort(new Error("caller gave up"));
    await expect(reg.manifest(`${host}/a:v1`, { signal: controller.signal })).rejects.toThrow();
  });
});

describe("getManifest's result", () => {
  it("holds the exact bytes, their size and digest, the parsed manifest and the lower-cased headers", async () => {
    const { reg, host } = await answering(manifestAnswer);
    const got = await reg.manifest(`${host}/a:v1`);
    expect(Buffer.from(got.bytes).equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(got.size).toBe(image.manifest.bytes.byteLength);
    expect(got.digest).toBe(image.manifest.digest);
    expect(got).toMatchObject({ kind: "image", mediaType: OCI_MANIFEST });
    expect(got.parsed.kind).toBe("image");
    expect(got.parsed.digest).toBe(image.manifest.digest);
    expect((got.manifest as { layers: unknown[] }).layers).toHaveLength(2);
    expect(got.headers["x-registry-note"]).toBe("kept");
    expect(got.headers["content-type"]).toBe(OCI_MANIFEST);
    expect(got.index).toBeUndefined();
    expect(got.platform).toBeUndefined();
  });

  it("reads a body that names no mediaType by the registry's Content-Type", async () => {
    const { mediaType: _, ...rest } = JSON.parse(Buffer.from(image.manifest.bytes).toString()) as Record<
      string,
      unknown
    >;
    const body = JSON.stringify(rest);
    const { reg, host } = await answering(() => ({ headers: { "content-type": DOCKER_MANIFEST }, body }));
    const got = await reg.manifest(`${host}/a:v1`);
    expect(got).toMatchObject({ kind: "image", mediaType: DOCKER_MANIFEST });
    expect(got.digest).toBe(computeDigest(Buffer.from(body)));
  });
});

describe("getManifest's size cap", () => {
  /** The manifest padded with trailing whitespace (still the same JSON) to `size` bytes. */
  const padded = (size: number) =>
    Buffer.concat([
      Buffer.from(image.manifest.bytes),
      Buffer.alloc(size - image.manifest.bytes.byteLength, " "),
    ]);

  it("refuses a manifest one byte over MAX_MANIFEST_BYTES", async () => {
    const body = padded(MAX_MANIFEST_BYTES + 1);
    const { reg, host } = await answering(() => ({ headers: { "content-type": OCI_MANIFEST }, body }));
    const error = await reg.manifest(`${host}/a:v1`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain(`larger than ${MAX_MANIFEST_BYTES} bytes`);
  });
});
