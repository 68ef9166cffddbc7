import type { ImageIndex } from "./image-index.js";
import type { ImageManifest } from "./image-manifest.js";
import { formatPlatform } from "./platform.js";
import { isAttestation } from "./select-manifest.js";

/**
 * The stored size of an image: its config plus all its layers, compressed, as the registry holds them (the Ruby
 * docker_registry2 gem's `manifest_sum`). The manifest's own bytes are not counted. Shared layers are counted once
 * per image, not de-duplicated.
 */
export function manifestSum(manifest: Pick<ImageManifest, "config" | "layers">): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, manifest.config.size);
}

/** One platform's total in {@link indexSizes}. */
export interface PlatformSize {
  /** Formatted platform (`linux/arm/v7`). */
  platform: string;
  /** Digest of the platform's image manifest. */
  digest: string;
  /** Config + layers ({@link manifestSum}), or `undefined` when `children` lacks this manifest. */
  size: number | undefined;
}

/**
 * Per-platform totals of an index. An index only holds descriptors, so the caller fetches the children and passes
 * them by digest. Attestation manifests and entries without a platform are left out.
 */
export function indexSizes(
  index: Pick<ImageIndex, "manifests">,
  children: ReadonlyMap<string, Pick<ImageManifest, "config" | "layers">>,
): PlatformSize[] {
  return index.manifests
    .filter((d) => d.platform && !isAttestation(d))
    .map((d) => {
      const child = children.get(d.digest);
      return {
        platform: formatPlatform(d.platform!),
        digest: d.digest,
        size: child ? manifestSum(child) : undefined,
      };
    });
}
