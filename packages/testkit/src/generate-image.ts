import { Writable } from "node:stream";
import { fileLayerBlob, type LayerFileEntry } from "./file-layer.js";
import { buildConfig, buildIndex, buildManifest, type GeneratedDocument } from "./image-json.js";
import { writeLayer } from "./layer.js";
import {
  type Descriptor,
  formatPlatform,
  MEDIA_TYPES,
  type MediaTypeFamily,
  type Platform,
  parsePlatform,
} from "./media-types.js";

/** One generated layer blob, in memory. */
export interface GeneratedLayer {
  /** gzip of a tar holding one random file. */
  bytes: Buffer;
  digest: string;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  descriptor: Descriptor;
}

/** A generated single-platform image, every blob in memory. */
export interface GeneratedImage {
  kind: "image";
  platform: Platform;
  config: GeneratedDocument;
  layers: GeneratedLayer[];
  manifest: GeneratedDocument;
}

/** A generated multi-platform index (OCI) or manifest list (Docker) with its child images. */
export interface GeneratedIndex {
  kind: "index";
  children: GeneratedImage[];
  index: GeneratedDocument;
}

/** Options of {@link generateImage}. */
export interface GenerateImageOptions {
  /** A layer count (1 KiB files each) or the size in bytes of each layer's random file. Default 1. */
  layers?: number | number[];
  /** Seed of all random content; the same options give the same digests. Default `regatta`. */
  seed?: string | number;
  /** Default linux/amd64. */
  platform?: Platform | string;
  /** Default `oci`. */
  mediaTypes?: MediaTypeFamily;
  /** Written into the config's `config.Labels`: a cheap way to vary the config digest only. */
  labels?: Record<string, string>;
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  /** gzip level of the layers. Default 1 (the data is random: higher levels only cost time). */
  gzipLevel?: number;
  /**
   * Layers of chosen entries (files, directories, links, whiteouts), stacked above the random ones in this order:
   * `{ layers: 0, fileLayers: [[{ name: "etc/os-release", content: "ID=x\n" }]] }` is an image of one such layer.
   */
  fileLayers?: readonly (readonly LayerFileEntry[])[];
}

/**
 * Generates a small image in memory: layers are gzipped tars of one seeded random file each, the config lists
 * their diff ids, and the manifest (Docker schema 2 or OCI) references them all. Deterministic from `seed`.
 *
 * @example
 * const image = await generateImage({ layers: [1024, 4096], mediaTypes: "docker", seed: 7 });
 * image.manifest.digest; // the same on every run
 */
export async function generateImage(options: GenerateImageOptions = {}): Promise<GeneratedImage> {
  const family = options.mediaTypes ?? "oci";
  const platform = toPlatform(options.platform ?? "linux/amd64");
  const seed = `${options.seed ?? "regatta"}/${formatPlatform(platform)}`;
  const sizes =
    typeof options.layers === "number" || options.layers === undefined
      ? Array.from({ length: options.layers ?? 1 }, () => 1024)
      : options.layers;
  const layers: GeneratedLayer[] = [];
  for (const [i, fileSize] of sizes.entries()) {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const { digest, diffId, size } = await writeLayer(
      {
        seed: `${seed}/layer/${i}`,
        fileSize,
        fileName: `regatta/layer-${i}.bin`,
        gzipLevel: options.gzipLevel ?? 1,
      },
      sink,
    );
    layers.push({
      bytes: Buffer.concat(chunks),
      digest,
      diffId,
      descriptor: { mediaType: MEDIA_TYPES[family].layer, digest, size },
    });
  }
  for (const entries of options.fileLayers ?? []) {
    const { bytes, digest, diffId } = await fileLayerBlob(entries);
    layers.push({
      bytes,
      digest,
      diffId,
      descriptor: { mediaType: MEDIA_TYPES[family].layer, digest, size: bytes.length },
    });
  }
  const config = buildConfig(
    family,
    platform,
    layers.map((l) => l.diffId),
    options.labels,
  );
  const manifest = buildManifest(
    family,
    config.descriptor,
    layers.map((l) => l.descriptor),
    options.annotations,
  );
  return { kind: "image", platform, config, layers, manifest };
}

/** Options of {@link generateIndex}. */
export interface GenerateIndexOptions extends Omit<GenerateImageOptions, "platform"> {
  /** Default `["linux/amd64", "linux/arm64/v8"]`. */
  platforms?: (Platform | string)[];
}

/**
 * Generates one image per platform and an index (OCI) or manifest list (Docker) over them; each child
 * descriptor carries its platform.
 *
 * @example
 * const { index, children } = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"] });
 */
export async function generateIndex(options: GenerateIndexOptions = {}): Promise<GeneratedIndex> {
  const family = options.mediaTypes ?? "oci";
  const { platforms = ["linux/amd64", "linux/arm64/v8"], ...rest } = options;
  const children: GeneratedImage[] = [];
  for (const platform of platforms)
    children.push(await generateImage({ ...rest, platform, mediaTypes: family }));
  const index = buildIndex(
    family,
    children.map((c) => ({ ...c.manifest.descriptor, platform: c.platform })),
  );
  return { kind: "index", children, index };
}

function toPlatform(platform: Platform | string): Platform {
  return typeof platform === "string" ? parsePlatform(platform) : platform;
}
