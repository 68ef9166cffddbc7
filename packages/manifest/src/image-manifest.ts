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
 * A single-image manifest: a config blob and an ordered list of layers. One type covers both forms, which share the
 * same shape: OCI (https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md) and Docker schema 2
 * (https://github.com/distribution/distribution/blob/main/docs/content/spec/manifest-v2-2.md#image-manifest).
 * `artifactType`, `subject` and `annotations` exist only in OCI manifests. Unknown fields are kept as received.
 */
export interface ImageManifest {
  /** Always 2. */
  schemaVersion: 2;
  /** `application/vnd.oci.image.manifest.v1+json` or `application/vnd.docker.distribution.manifest.v2+json`. OCI makes it optional. */
  mediaType?: string;
  /** OCI 1.1: the type of artifact this manifest carries; MUST be set when the config is the empty descriptor. */
  artifactType?: string;
  /** The config blob: an image config, or any blob (or the empty `{}`) for an artifact. */
  config: Descriptor;
  /** The layers, base first. May be empty for an artifact. */
  layers: Descriptor[];
  /** OCI 1.1: the manifest this one refers to (a signature, SBOM or attestation of it), for the referrers API. */
  subject?: Descriptor;
  /** Arbitrary metadata. */
  annotations?: Record<string, string>;
}

/** Checks the fields an image manifest must have (after its kind is settled). `what` names it in messages. */
export function checkImageManifest(body: JsonObject, what: string): ImageManifest {
  if (body.schemaVersion !== 2) invalid(what, `schemaVersion must be 2, got ${describe(body.schemaVersion)}`);
  checkOptionalString(body, "mediaType", "", what);
  checkOptionalMediaType(body, "artifactType", "", what);
  if (body.config === undefined) invalid(what, "config is missing");
  checkDescriptor(body.config, "config", what);
  if (body.layers === undefined) invalid(what, "layers is missing");
  if (!Array.isArray(body.layers)) invalid(what, `layers must be an array, got ${describe(body.layers)}`);
  for (const [i, layer] of body.layers.entries()) checkDescriptor(layer, `layers[${i}]`, what);
  if (body.subject !== undefined) checkDescriptor(body.subject, "subject", what);
  if (body.annotations !== undefined) checkStringMap(body.annotations, "annotations", what);
  return body as unknown as ImageManifest;
}
