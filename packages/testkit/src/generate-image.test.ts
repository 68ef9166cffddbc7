import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { generateImage, generateIndex } from "./generate-image.js";
import { generateLargeImage } from "./generate-large-image.js";
import { MEDIA_TYPES, parsePlatform } from "./media-types.js";
import { seededBytes } from "./seeded-random.js";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

async function untar(bytes: Buffer): Promise<{ name: string; data: Buffer; mtime?: Date }[]> {
  const out: { name: string; data: Buffer; mtime?: Date }[] = [];
  const extract = tar.extract();
  Readable.from([bytes]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out.push({
      name: entry.header.name,
      data: Buffer.concat(chunks),
      ...(entry.header.mtime ? { mtime: entry.header.mtime } : {}),
    });
  }
  return out;
}

describe("generateImage", () => {
  it("is deterministic from the seed and differs across seeds", async () => {
    const a = await generateImage({ layers: [10, 20], seed: 1 });
    const b = await generateImage({ layers: [10, 20], seed: 1 });
    const c = await generateImage({ layers: [10, 20], seed: 2 });
    expect(a.manifest.digest).toBe(b.manifest.digest);
    expect(a.manifest.digest).not.toBe(c.manifest.digest);
    expect(a.layers[0]!.digest).not.toBe(a.layers[1]!.digest);
  });

  it.each(["docker", "oci"] as const)("builds a consistent %s image", async (family) => {
    const image = await generateImage({
      layers: [0, 1, 4096],
      mediaTypes: family,
      platform: "linux/arm64/v8",
    });
    const manifest = JSON.parse(image.manifest.bytes.toString()) as {
      mediaType: string;
      config: { mediaType: string; digest: string; size: number };
      layers: { mediaType: string; digest: string; size: number }[];
    };
    expect(manifest.mediaType).toBe(MEDIA_TYPES[family].manifest);
    expect(image.manifest.digest).toBe(sha256(image.manifest.bytes));
    expect(manifest.config).toEqual({
      mediaType: MEDIA_TYPES[family].config,
      digest: sha256(image.config.bytes),
      size: image.config.bytes.length,
    });
    const config = JSON.parse(image.config.bytes.toString()) as Record<string, unknown> & {
      rootfs: { diff_ids: string[] };
    };
    expect(config).toMatchObject({ os: "linux", architecture: "arm64", variant: "v8" });
    for (const [i, layer] of image.layers.entries()) {
      expect(manifest.layers[i]).toEqual({
        mediaType: MEDIA_TYPES[family].layer,
        digest: layer.digest,
        size: layer.bytes.length,
      });
      expect(layer.digest).toBe(sha256(layer.bytes));
      const tarBytes = gunzipSync(layer.bytes);
      expect(layer.diffId).toBe(sha256(tarBytes));
      expect(config.rootfs.diff_ids[i]).toBe(layer.diffId);
      const files = await untar(tarBytes);
      expect(files).toHaveLength(1);
      expect(files[0]!.name).toBe(`regatta/layer-${i}.bin`);
      expect(files[0]!.data.length).toBe([0, 1, 4096][i]);
      expect(files[0]!.mtime?.getTime()).toBe(0);
    }
  });

  it("takes a layer count", async () => {
    const image = await generateImage({ layers: 3 });
    expect(image.layers).toHaveLength(3);
    expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
  });
});

describe("generateIndex", () => {
  it.each(["docker", "oci"] as const)("builds a %s index over one image per platform", async (family) => {
    const { index, children } = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"],
      mediaTypes: family,
    });
    const body = JSON.parse(index.bytes.toString()) as { mediaType: string; manifests: unknown[] };
    expect(index.mediaType).toBe(MEDIA_TYPES[family].index);
    expect(body.mediaType).toBe(MEDIA_TYPES[family].index);
    expect(index.digest).toBe(sha256(index.bytes));
    expect(body.manifests).toEqual(
      children.map((c) => ({
        mediaType: MEDIA_TYPES[family].manifest,
        digest: c.manifest.digest,
        size: c.manifest.bytes.length,
        platform: c.platform,
      })),
    );
    expect(new Set(children.map((c) => c.layers[0]!.digest)).size).toBe(3);
  });
});

describe("generateLargeImage", () => {
  it("streams layers to files whose names and digests match", async () => {
    const dir = await mkdtemp(join(tmpdir(), "regatta-gen-"));
    try {
      const image = await generateLargeImage({ dir, layers: [2_000_000, 0], gzipLevel: 0 });
      expect((await readdir(dir)).sort()).toEqual(
        image.layers.map((l) => `${l.digest.slice(7)}.tar.gz`).sort(),
      );
      const bytes = await readFile(image.layers[0]!.path);
      expect(sha256(bytes)).toBe(image.layers[0]!.digest);
      expect(bytes.length).toBe(image.layers[0]!.descriptor.size);
      // stored deflate blocks: the random file is incompressible, so the blob is slightly larger
      expect(bytes.length).toBeGreaterThan(2_000_000);
      const tarBytes = gunzipSync(bytes);
      expect(sha256(tarBytes)).toBe(image.layers[0]!.diffId);
      const [file] = await untar(tarBytes);
      expect(file!.data.equals(seededBytes("regatta-large/layer/0", 2_000_000))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("parsePlatform", () => {
  it.each([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
  ])("parses %s", (text, platform) => expect(parsePlatform(text)).toEqual(platform));

  it.each(["linux", "linux/", "a/b/c/d", "linux/arm/"])("rejects %s", (text) => {
    expect(() => parsePlatform(text)).toThrow(/invalid platform/);
  });
});
