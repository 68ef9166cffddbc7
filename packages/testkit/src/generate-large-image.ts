import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { buildConfig, buildManifest, type GeneratedDocument } from "./image-json.js";
import { writeLayer } from "./layer.js";
import {
  type Descriptor,
  MEDIA_TYPES,
  type MediaTypeFamily,
  type Platform,
  parsePlatform,
} from "./media-types.js";

/** One generated layer written to a file. */
export interface GeneratedLayerFile {
  /** File holding the gzipped layer, named after its digest hex. */
  path: string;
  digest: string;
  diffId: string;
  descriptor: Descriptor;
}

/** A generated image whose layers live in files; config and manifest are small and in memory. */
export interface GeneratedLargeImage {
  kind: "large-image";
  platform: Platform;
  config: GeneratedDocument;
  layers: GeneratedLayerFile[];
  manifest: GeneratedDocument;
}

/** Options of {@link generateLargeImage}. */
export interface GenerateLargeImageOptions {
  /** Directory for the layer files (created if missing). */
  dir: string;
  /** Size in bytes of each layer's random file. */
  layers: number[];
  seed?: string | number;
  /** Default linux/amd64. */
  platform?: Platform | string;
  /** Default `oci`. */
  mediaTypes?: MediaTypeFamily;
  /**
   * gzip level. Default 0 (stored deflate blocks, ~200 MB/s here); level 1 runs at ~30 MB/s on random data and
   * shrinks nothing.
   */
  gzipLevel?: number;
}

/**
 * Generates a benchmark-sized image, streaming each layer to `dir` (seeded AES-CTR data, incompressible) without
 * holding it in memory. Layers are written one after another; a 1 GiB layer takes about 7 s on this machine.
 */
export async function generateLargeImage(options: GenerateLargeImageOptions): Promise<GeneratedLargeImage> {
  const family = options.mediaTypes ?? "oci";
  const platform =
    typeof options.platform === "object"
      ? options.platform
      : parsePlatform(options.platform ?? "linux/amd64");
  await mkdir(options.dir, { recursive: true });
  const seed = `${options.seed ?? "regatta-large"}`;
  const layers: GeneratedLayerFile[] = [];
  for (const [i, fileSize] of options.layers.entries()) {
    const partial = join(options.dir, `.layer-${process.pid}-${i}.partial`);
    const { digest, diffId, size } = await writeLayer(
      {
        seed: `${seed}/layer/${i}`,
        fileSize,
        fileName: `regatta/layer-${i}.bin`,
        gzipLevel: options.gzipLevel ?? 0,
      },
      createWriteStream(partial),
    );
    const path = join(options.dir, `${digest.slice("sha256:".length)}.tar.gz`);
    await rename(partial, path);
    layers.push({ path, digest, diffId, descriptor: { mediaType: MEDIA_TYPES[family].layer, digest, size } });
  }
  const config = buildConfig(
    family,
    platform,
    layers.map((l) => l.diffId),
    undefined,
  );
  const manifest = buildManifest(
    family,
    config.descriptor,
    layers.map((l) => l.descriptor),
  );
  return { kind: "large-image", platform, config, layers, manifest };
}
