/**
 * Test helpers of inventory and diff: images whose config says what a test needs (created, platform, Env, labels…)
 * and whose layers are chosen blobs, built in memory and stored in a fake repository's content.
 */
import { computeDigest } from "@regatta/manifest";
import type { FakeRepositoryContent } from "@regatta/testkit";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

/** A repository's content being built: tags, manifests, blobs. */
export function emptyRepository(): FakeRepositoryContent & {
  tags: Record<string, string>;
  manifests: NonNullable<FakeRepositoryContent["manifests"]>;
  blobs: Record<string, Uint8Array>;
} {
  return { tags: {}, manifests: {}, blobs: {} };
}

type Repo = ReturnType<typeof emptyRepository>;

/** A built manifest: its digest, size and media type, to tag or list in an index. */
export interface Built {
  digest: string;
  size: number;
  mediaType: string;
  /** Config + layers. */
  total: number;
}

/** Stores an image whose config is `config` (os/architecture default linux/amd64) over `layers` (blob bytes). */
export function addImage(
  repo: Repo,
  config: Record<string, unknown>,
  layers: readonly (Buffer | string)[] = [],
  mediaTypes: { config?: string; layer?: string } = {},
): Built {
  const configBytes = Buffer.from(JSON.stringify({ os: "linux", architecture: "amd64", ...config }));
  const configDigest = computeDigest(configBytes);
  repo.blobs[configDigest] = configBytes;
  const layerDescriptors = layers.map((layer) => {
    const bytes = Buffer.from(layer);
    const digest = computeDigest(bytes);
    repo.blobs[digest] = bytes;
    return { mediaType: mediaTypes.layer ?? OCI_LAYER, digest, size: bytes.length };
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: mediaTypes.config ?? OCI_CONFIG, digest: configDigest, size: configBytes.length },
      layers: layerDescriptors,
    }),
  );
  const digest = computeDigest(manifest);
  repo.manifests[digest] = { bytes: manifest, mediaType: OCI_MANIFEST };
  const total = layerDescriptors.reduce((sum, l) => sum + l.size, configBytes.length);
  return { digest, size: manifest.length, mediaType: OCI_MANIFEST, total };
}

/** Stores an index over `entries` (each with its platform, `unknown/unknown` for an attestation). */
export function addIndex(repo: Repo, entries: readonly { image: Built; platform: string }[]): Built {
  const manifests = entries.map(({ image, platform }) => {
    const [os, architecture, variant] = platform.split("/");
    return {
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
      platform: { os, architecture, ...(variant ? { variant } : {}) },
    };
  });
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  const digest = computeDigest(bytes);
  repo.manifests[digest] = { bytes, mediaType: OCI_INDEX };
  const total = entries.reduce((sum, e) => sum + e.image.total, 0);
  return { digest, size: bytes.length, mediaType: OCI_INDEX, total };
}
