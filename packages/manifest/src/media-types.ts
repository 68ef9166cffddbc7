/**
 * Media types of manifests, indexes, configs and layers, with the sets and `Accept` lists built from them.
 *
 * OCI: https://github.com/opencontainers/image-spec/blob/v1.1.0/media-types.md
 * Docker: https://github.com/distribution/distribution/blob/main/docs/content/spec/manifest-v2-2.md#media-types
 */

/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list (the Docker form of an index). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image manifest, schema 1, without signatures. Deprecated; read-only support. */
export const DOCKER_SCHEMA1_MANIFEST = "application/vnd.docker.distribution.manifest.v1+json";
/** Docker image manifest, schema 1, signed with a libtrust JWS. Deprecated; read-only support. */
export const DOCKER_SCHEMA1_SIGNED_MANIFEST = "application/vnd.docker.distribution.manifest.v1+prettyjws";
/** Docker image config. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker layer: a gzipped tar. */
export const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** Docker "foreign" layer: fetched from the descriptor's `urls`, never pushed (Windows base layers). */
export const DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image config. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI layer: an uncompressed tar. */
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
/** OCI layer: a gzipped tar. */
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI layer: a zstd-compressed tar. */
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
/** OCI non-distributable layer (deprecated by image-spec 1.1, still found in Windows images): a tar. */
export const OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
/** OCI non-distributable layer, gzipped. */
export const OCI_LAYER_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/** OCI non-distributable layer, zstd-compressed. */
export const OCI_LAYER_NONDISTRIBUTABLE_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/**
 * The empty JSON blob `{}`: the config of an artifact that has none, and a placeholder layer.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#guidance-for-an-empty-descriptor
 */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";

/** Media types of a single-image manifest (config + layers). */
export const IMAGE_MANIFEST_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
/** Media types of an index (a list of manifests, usually one per platform). */
export const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
/** Media types of a Docker schema 1 manifest. */
export const SCHEMA1_TYPES: ReadonlySet<string> = new Set([
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  DOCKER_SCHEMA1_MANIFEST,
]);
/** Media types of an image config this package can parse with `parseImageConfig`. */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([OCI_CONFIG, DOCKER_CONFIG]);
/** Layer media types defined by the OCI and Docker specs. */
export const LAYER_TYPES: ReadonlySet<string> = new Set([
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  DOCKER_LAYER,
  DOCKER_FOREIGN_LAYER,
]);

/**
 * Every manifest type, in the order of an `Accept` header: indexes first (so a registry serves the multi-platform
 * list rather than picking a platform itself), then single images, then schema 1 last. Without schema 2 types in
 * `Accept`, Docker Hub and distribution used to convert to schema 1 on the fly, so a client must always list them.
 */
export const ALL_MANIFEST_TYPES: readonly string[] = Object.freeze([
  OCI_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  DOCKER_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  DOCKER_SCHEMA1_MANIFEST,
]);

/** Names of the `Accept` presets. */
export type AcceptPreset = "schema2" | "list" | "oci" | "index" | "schema1" | "all";

/**
 * `Accept` lists by name: `schema2` (Docker image), `list` (Docker manifest list), `oci` (OCI image), `index` (OCI
 * index), `schema1` (both schema 1 forms), `all` ({@link ALL_MANIFEST_TYPES}).
 */
export const ACCEPT_PRESETS: Readonly<Record<AcceptPreset, readonly string[]>> = Object.freeze({
  schema2: Object.freeze([DOCKER_MANIFEST]),
  list: Object.freeze([DOCKER_MANIFEST_LIST]),
  oci: Object.freeze([OCI_MANIFEST]),
  index: Object.freeze([OCI_INDEX]),
  schema1: Object.freeze([DOCKER_SCHEMA1_SIGNED_MANIFEST, DOCKER_SCHEMA1_MANIFEST]),
  all: ALL_MANIFEST_TYPES,
});

/**
 * The value of an `Accept` header for presets and/or explicit media types, de-duplicated, in order.
 * Unknown names are taken as media types.
 */
export function acceptHeader(accept: AcceptPreset | readonly string[] = "all"): string {
  const list = typeof accept === "string" ? [accept] : accept;
  const types = list.flatMap((a) =>
    Object.hasOwn(ACCEPT_PRESETS, a) ? ACCEPT_PRESETS[a as AcceptPreset] : [a],
  );
  return [...new Set(types)].join(", ");
}

/**
 * The essence of a `Content-Type` value: the type without parameters, trimmed and lower-cased
 * (`application/vnd.oci.image.index.v1+json; charset=utf-8` → `application/vnd.oci.image.index.v1+json`).
 * Media types are case-insensitive (RFC 9110 §8.3.1). Returns `""` for an empty or missing value.
 */
export function mediaTypeEssence(contentType: string | undefined | null): string {
  if (!contentType) return "";
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The kind of manifest a media type names, or `undefined` when it is not a manifest type this package knows. */
export function manifestKindOf(mediaType: string | undefined): "image" | "index" | "schema1" | undefined {
  const essence = mediaTypeEssence(mediaType);
  if (IMAGE_MANIFEST_TYPES.has(essence)) return "image";
  if (INDEX_TYPES.has(essence)) return "index";
  if (SCHEMA1_TYPES.has(essence)) return "schema1";
  return undefined;
}
