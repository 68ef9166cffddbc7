import { quoteText, UsageError } from "@regatta/errors";
import { computeDigest } from "./compute-digest.js";
import { checkDescriptor, type Descriptor } from "./descriptor.js";
import type { ImageIndex } from "./image-index.js";
import type { ImageManifest } from "./image-manifest.js";
import { checkStringMap } from "./json-checks.js";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from "./media-types.js";
import type { Platform } from "./platform.js";

/**
 * The text of the empty JSON blob `{}` (2 bytes once encoded): the config of an artifact that has none.
 * Spec-defined, with a fixed digest. (A string, because a typed array cannot be frozen.)
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#guidance-for-an-empty-descriptor
 */
export const EMPTY_JSON = "{}";

/** The descriptor of {@link EMPTY_JSON}, with the content embedded in `data` so no blob fetch is needed. */
export const EMPTY_DESCRIPTOR: Readonly<Descriptor> = Object.freeze({
  mediaType: OCI_EMPTY,
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
  data: "e30=",
});

/** A manifest as bytes ready to PUT, with the digest it will be stored under. */
export interface SerializedManifest {
  bytes: Uint8Array;
  /** sha256 of `bytes`. */
  digest: string;
  /** `bytes.byteLength`, for the descriptor that will point at it. */
  size: number;
}

/** What the builders return: the object, its media type (the `Content-Type` to PUT with) and its bytes. */
export interface BuiltManifest<T> extends SerializedManifest {
  manifest: T;
  mediaType: string;
}

/**
 * Serialises a manifest (or any JSON) the one way Regatta writes JSON: `JSON.stringify` with 2-space indentation and
 * no trailing newline, as BuildKit and containerd write theirs. The digest is over these exact bytes, so keep them:
 * re-serialising later, even with the same content, can change the digest.
 */
export function serializeManifest(value: unknown): SerializedManifest {
  const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2));
  return { bytes, digest: computeDigest(bytes), size: bytes.byteLength };
}

/** `oci` (default) or `docker`: which media types a builder writes. */
export type ManifestFlavor = "oci" | "docker";

/** Input of {@link buildImageManifest}. */
export interface ImageManifestInput {
  config: Descriptor;
  layers: readonly Descriptor[];
  mediaType?: ManifestFlavor;
  /** OCI only. */
  artifactType?: string;
  /** OCI only. */
  subject?: Descriptor;
  /** OCI only. */
  annotations?: Record<string, string>;
}

/** Input of {@link buildIndex}. */
export interface IndexInput {
  manifests: readonly Descriptor[];
  mediaType?: ManifestFlavor;
  /** OCI only. */
  artifactType?: string;
  /** OCI only. */
  subject?: Descriptor;
  /** OCI only. */
  annotations?: Record<string, string>;
}

const WHAT = "descriptor given to a manifest builder";

function platformOf(p: Platform): Platform {
  // Field order of the OCI Go types (specs-go/v1), so the JSON reads like what other tools write.
  const out: Platform = { architecture: p.architecture, os: p.os };
  if (p["os.version"] !== undefined) out["os.version"] = p["os.version"];
  if (p["os.features"] !== undefined) out["os.features"] = [...p["os.features"]];
  if (p.variant !== undefined) out.variant = p.variant;
  if (p.features !== undefined) out.features = [...p.features];
  return out;
}

/** A checked copy of a descriptor, fields in spec order (mediaType, digest, size first), unknown fields kept after. */
function descriptorOf(d: Descriptor, path: string): Descriptor {
  checkDescriptor(d, path, WHAT);
  const { mediaType, digest, size, urls, annotations, data, platform, artifactType, ...rest } = d;
  const out: Descriptor = { mediaType, digest, size };
  if (urls !== undefined) out.urls = [...urls];
  if (annotations !== undefined) out.annotations = { ...annotations };
  if (data !== undefined) out.data = data;
  if (platform !== undefined) out.platform = platformOf(platform);
  if (artifactType !== undefined) out.artifactType = artifactType;
  return Object.assign(out, rest);
}

function checkFlavor(
  flavor: ManifestFlavor,
  input: { artifactType?: string; subject?: Descriptor; annotations?: Record<string, string> },
  what: string,
): void {
  if (flavor !== "oci" && flavor !== "docker")
    throw new UsageError(`mediaType must be "oci" or "docker", got ${quoteText(flavor)}`);
  if (flavor === "docker") {
    const ociOnly = (["artifactType", "subject", "annotations"] as const).filter(
      (k) => input[k] !== undefined,
    );
    if (ociOnly.length) {
      throw new UsageError(
        `a Docker ${what} has no ${ociOnly.join(", ")}: build an OCI one (mediaType: "oci") instead`,
      );
    }
  }
  if (input.annotations !== undefined) checkStringMap(input.annotations, "annotations", WHAT);
}

/**
 * Builds and serialises an image manifest. For an artifact (OCI 1.1), pass `artifactType` and, when it has no
 * config, {@link EMPTY_DESCRIPTOR} as `config`: the spec requires `artifactType` whenever the config is the empty one.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#guidelines-for-artifact-usage
 * @throws UsageError for OCI-only fields on a Docker manifest, or an empty config without artifactType;
 * InvalidManifestError for a malformed descriptor.
 */
export function buildImageManifest(input: ImageManifestInput): BuiltManifest<ImageManifest> {
  const flavor = input.mediaType ?? "oci";
  checkFlavor(flavor, input, "image manifest");
  if (input.config?.mediaType === OCI_EMPTY && !input.artifactType) {
    throw new UsageError("an OCI manifest whose config is the empty descriptor must set artifactType");
  }
  const mediaType = flavor === "oci" ? OCI_MANIFEST : DOCKER_MANIFEST;
  const manifest = { schemaVersion: 2, mediaType } as ImageManifest;
  if (input.artifactType !== undefined) manifest.artifactType = input.artifactType;
  manifest.config = descriptorOf(input.config, "config");
  manifest.layers = input.layers.map((l, i) => descriptorOf(l, `layers[${i}]`));
  if (input.subject !== undefined) manifest.subject = descriptorOf(input.subject, "subject");
  if (input.annotations !== undefined) manifest.annotations = { ...input.annotations };
  return { manifest, mediaType, ...serializeManifest(manifest) };
}

/**
 * Builds and serialises an index (OCI image index, or Docker manifest list with `mediaType: "docker"`).
 * @throws UsageError for OCI-only fields on a Docker list; InvalidManifestError for a malformed descriptor.
 */
export function buildIndex(input: IndexInput): BuiltManifest<ImageIndex> {
  const flavor = input.mediaType ?? "oci";
  checkFlavor(flavor, input, "manifest list");
  const mediaType = flavor === "oci" ? OCI_INDEX : DOCKER_MANIFEST_LIST;
  const manifest = { schemaVersion: 2, mediaType } as ImageIndex;
  if (input.artifactType !== undefined) manifest.artifactType = input.artifactType;
  manifest.manifests = input.manifests.map((m, i) => descriptorOf(m, `manifests[${i}]`));
  if (input.subject !== undefined) manifest.subject = descriptorOf(input.subject, "subject");
  if (input.annotations !== undefined) manifest.annotations = { ...input.annotations };
  return { manifest, mediaType, ...serializeManifest(manifest) };
}
