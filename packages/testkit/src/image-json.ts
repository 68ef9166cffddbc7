import { sha256Digest } from "./digest.js";
import { type Descriptor, MEDIA_TYPES, type MediaTypeFamily, type Platform } from "./media-types.js";

/** A small JSON document (config, manifest, index) with its digest. */
export interface GeneratedDocument {
  bytes: Buffer;
  digest: string;
  mediaType: string;
  descriptor: Descriptor;
}

/** Builds the image config blob for the given platform and diff ids. */
export function buildConfig(
  family: MediaTypeFamily,
  platform: Platform,
  diffIds: string[],
  labels: Record<string, string> | undefined,
): GeneratedDocument {
  const created = "1970-01-01T00:00:00Z";
  const config = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: ["/bin/sh"],
      ...(labels ? { Labels: labels } : {}),
    },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created, created_by: `regatta-testkit layer ${i}` })),
  };
  return document(JSON.stringify(config), MEDIA_TYPES[family].config);
}

/** Builds an image manifest over a config and layer descriptors. */
export function buildManifest(
  family: MediaTypeFamily,
  config: Descriptor,
  layers: Descriptor[],
  annotations?: Record<string, string>,
): GeneratedDocument {
  const mediaType = MEDIA_TYPES[family].manifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config,
    layers,
    ...(annotations ? { annotations } : {}),
  };
  return document(JSON.stringify(manifest), mediaType);
}

/** Builds an index (OCI) or manifest list (Docker) over platform-specific manifests. */
export function buildIndex(family: MediaTypeFamily, manifests: Descriptor[]): GeneratedDocument {
  const mediaType = MEDIA_TYPES[family].index;
  return document(JSON.stringify({ schemaVersion: 2, mediaType, manifests }), mediaType);
}

/** Wraps serialized JSON as a document with digest and descriptor. */
export function document(text: string, mediaType: string): GeneratedDocument {
  const bytes = Buffer.from(text, "utf8");
  const digest = sha256Digest(bytes);
  return { bytes, digest, mediaType, descriptor: { mediaType, digest, size: bytes.length } };
}
