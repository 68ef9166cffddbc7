import { checkDescriptor, type Descriptor } from "./descriptor.js";
import {
  checkOptionalMediaType,
  checkOptionalString,
  checkStringMap,
  describe,
  invalid,
  type JsonObject,
} from "./json-checks.js";

/**
 * How deeply indexes may nest before a walk down them (pull, copy) refuses: real images use one level, two at most
 * (an index of indexes); a registry serving a chain of thousands, each verified by digest, would otherwise be
 * followed request by request for minutes.
 */
export const MAX_INDEX_DEPTH = 8;

/**
 * An index: a list of manifests, usually one image per platform (plus, from BuildKit, attestation manifests).
 * One type covers the OCI image index (https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md) and
 * the Docker manifest list (https://github.com/distribution/distribution/blob/main/docs/content/spec/manifest-v2-2.md#manifest-list).
 * `artifactType`, `subject` and `annotations` exist only in OCI indexes. Unknown fields are kept as received.
 */
export interface ImageIndex {
  /** Always 2. */
  schemaVersion: 2;
  /** `application/vnd.oci.image.index.v1+json` or `application/vnd.docker.distribution.manifest.list.v2+json`. OCI makes it optional. */
  mediaType?: string;
  /** OCI 1.1: the type of artifact, when the index is used as one. */
  artifactType?: string;
  /** The manifests, each with its `platform` when it is a platform-specific image. */
  manifests: Descriptor[];
  /** OCI 1.1: the manifest this index refers to, for the referrers API. */
  subject?: Descriptor;
  /** Arbitrary metadata. */
  annotations?: Record<string, string>;
}

/** Short name for {@link ImageIndex}. */
export type Index = ImageIndex;

/** Checks the fields an index must have (after its kind is settled). `what` names it in messages. */
export function checkImageIndex(body: JsonObject, what: string): ImageIndex {
  if (body.schemaVersion !== 2) invalid(what, `schemaVersion must be 2, got ${describe(body.schemaVersion)}`);
  checkOptionalString(body, "mediaType", "", what);
  checkOptionalMediaType(body, "artifactType", "", what);
  if (body.manifests === undefined) invalid(what, "manifests is missing");
  if (!Array.isArray(body.manifests))
    invalid(what, `manifests must be an array, got ${describe(body.manifests)}`);
  for (const [i, m] of body.manifests.entries()) checkDescriptor(m, `manifests[${i}]`, what);
  if (body.subject !== undefined) checkDescriptor(body.subject, "subject", what);
  if (body.annotations !== undefined) checkStringMap(body.annotations, "annotations", what);
  return body as unknown as ImageIndex;
}
