import { DigestMismatchError, quoteText } from "@regatta/errors";
import { computeDigest } from "./compute-digest.js";
import { type DigestAlgorithm, parseDigest } from "./digest.js";
import { checkImageIndex, type ImageIndex } from "./image-index.js";
import { checkImageManifest, type ImageManifest } from "./image-manifest.js";
import { checkString, invalid, numbersWithFraction, parseJsonObject } from "./json-checks.js";
import {
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  manifestKindOf,
  mediaTypeEssence,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media-types.js";
import { checkSchema1, type Schema1Manifest, schema1Payload } from "./schema1.js";

/**
 * The most manifest bytes `parseManifest` accepts by default. distribution refuses to store manifests over 4 MiB, so
 * anything larger is broken or hostile. https://github.com/distribution/distribution/blob/main/registry/handlers/manifests.go
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

interface ParsedBase {
  /** The media type of the document: the body's `mediaType`, else the `Content-Type`, else the inferred default. */
  mediaType: string;
  /** The exact bytes received: store or forward these, never a re-serialisation, or the digest changes. */
  bytes: Uint8Array;
  /** The sha256 digest the registry addresses this manifest by (see {@link manifestDigest} for other algorithms). */
  digest: string;
}

/** A parsed single-image manifest (OCI or Docker schema 2). */
export interface ParsedImageManifest extends ParsedBase {
  kind: "image";
  manifest: ImageManifest;
}

/** A parsed index (OCI image index or Docker manifest list). */
export interface ParsedImageIndex extends ParsedBase {
  kind: "index";
  manifest: ImageIndex;
}

/** A parsed Docker schema 1 manifest. */
export interface ParsedSchema1Manifest extends ParsedBase {
  kind: "schema1";
  /** The manifest as signed (read from the JWS payload when signed), with `signatures` added back. */
  manifest: Schema1Manifest;
  /** Whether it carries libtrust signatures. Regatta does not check them: libtrust keys were never trust anchors. */
  signed: boolean;
  /** The bytes the digest is computed over: the JWS payload when signed, else `bytes`. */
  payload: Uint8Array;
}

/** A manifest parsed by {@link parseManifest}: discriminate on `kind`. */
export type ParsedManifest = ParsedImageManifest | ParsedImageIndex | ParsedSchema1Manifest;

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /** Refuse bodies longer than this. Default {@link MAX_MANIFEST_BYTES}. */
  maxBytes?: number;
}

/**
 * Parses a manifest and checks it is what it claims to be. The kind comes from the `Content-Type` (parameters such as
 * `; charset=utf-8` ignored), else the body's `mediaType`, else the shape: `schemaVersion: 1` is schema 1, `manifests`
 * an index, `config`/`layers` an image (OCI, since Docker always writes `mediaType`; buildah's OCI output omits it).
 *
 * Rejected, with an InvalidManifestError that says what is wrong: bodies over `maxBytes`; bad UTF-8 or JSON; a body
 * whose `mediaType` is of another kind than the `Content-Type`; a body with both `manifests` and `config`/`layers`
 * (the ambiguity behind CVE-2021-41190, https://github.com/opencontainers/image-spec/security/advisories/GHSA-77vh-xpmg-72qh);
 * an index with `config` or an image with `manifests`; missing required fields; a malformed descriptor digest; a
 * negative or fractional size (or one written `1.0`); a media type or artifact type that is not RFC 6838; `urls` that
 * are not absolute http(s) URLs; annotations that are not string to string. Each message names the field by its JSON
 * path (`layers[2].urls[0]`).
 *
 * When the header and body name different types of the same kind, the body's `mediaType` wins: it is what the bytes
 * (and so the digest) say, and what a registry checks the `Content-Type` of a push against.
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType?: string,
  options: ParseManifestOptions = {},
): ParsedManifest {
  const maxBytes = options.maxBytes ?? MAX_MANIFEST_BYTES;
  if (bytes.byteLength > maxBytes)
    invalid("manifest", `${bytes.byteLength} bytes is more than the limit of ${maxBytes}`);
  const body = parseJsonObject(bytes, "manifest");
  const header = mediaTypeEssence(contentType);
  const headerKind = manifestKindOf(header);
  const bodyType =
    body.mediaType === undefined ? undefined : checkString(body.mediaType, "mediaType", "manifest");
  const bodyKind = manifestKindOf(bodyType);
  if (bodyType !== undefined && (!bodyKind || (headerKind && headerKind !== bodyKind))) {
    if (headerKind)
      invalid("manifest", `Content-Type says ${header} but the body's mediaType is ${bodyType}`);
    invalid("manifest", `unsupported mediaType ${quoteText(bodyType)}`);
  }
  const hasManifests = body.manifests !== undefined;
  const imageFields = ["config", "layers"].filter((k) => body[k] !== undefined);
  if (hasManifests && imageFields.length) {
    invalid(
      "manifest",
      `it has both manifests and ${imageFields.join(" and ")}, so it reads as an index and as an image`,
    );
  }
  const shapeKind =
    body.schemaVersion === 1 ? "schema1" : hasManifests ? "index" : imageFields.length ? "image" : undefined;
  const kind = headerKind ?? bodyKind ?? shapeKind;
  const claim = headerKind ? `Content-Type says ${header}` : `its mediaType is ${bodyType}`;
  switch (kind) {
    case "image": {
      if (hasManifests) invalid("image manifest", `${claim} but the body has manifests, like an index`);
      const manifest = checkImageManifest(body, "image manifest");
      checkIntegersWrittenAsIntegers(bytes, "image manifest");
      const mediaType = bodyType ?? (headerKind ? header : OCI_MANIFEST);
      return { kind, mediaType, manifest, bytes, digest: computeDigest(bytes) };
    }
    case "index": {
      if (imageFields.length) {
        invalid(
          "image index",
          `${claim} but the body has ${imageFields.join(" and ")}, like an image manifest`,
        );
      }
      const manifest = checkImageIndex(body, "image index");
      checkIntegersWrittenAsIntegers(bytes, "image index");
      const mediaType = bodyType ?? (headerKind ? header : OCI_INDEX);
      return { kind, mediaType, manifest, bytes, digest: computeDigest(bytes) };
    }
    case "schema1": {
      const what = "schema 1 manifest";
      const payload = schema1Payload(bytes, body);
      const signed = payload !== bytes;
      let manifest: Schema1Manifest;
      if (signed) {
        // distribution reads the manifest from the signed payload, not from the outer document: do the same, so
        // nothing outside the signed bytes can change what the manifest says.
        const signedBody = parseJsonObject(payload, what);
        manifest = {
          ...checkSchema1(signedBody, what),
          signatures: body.signatures as NonNullable<Schema1Manifest["signatures"]>,
        };
      } else {
        manifest = checkSchema1(body, what);
      }
      const mediaType =
        bodyType ?? (headerKind ? header : signed ? DOCKER_SCHEMA1_SIGNED_MANIFEST : DOCKER_SCHEMA1_MANIFEST);
      return { kind, mediaType, manifest, bytes, digest: computeDigest(payload), signed, payload };
    }
    default:
      invalid(
        "manifest",
        "cannot tell what kind of manifest this is: no manifest Content-Type or mediaType, and neither manifests nor config and layers",
      );
  }
}

/** Where a manifest or index has an int64: `schemaVersion` and the descriptors' sizes. */
const INTEGER_PATHS = /^(?:schemaVersion|(?:config|subject|(?:layers|manifests)\[\d+\])\.size)$/;

/**
 * Refuses `"size": 1.0` and `"schemaVersion": 2e0`, which JSON.parse reads as integers but Go's decoder (distribution,
 * containerd) refuses for an int64 field, so the same bytes would be a valid manifest here and not there.
 */
function checkIntegersWrittenAsIntegers(bytes: Uint8Array, what: string): void {
  for (const { path, lexeme } of numbersWithFraction(new TextDecoder().decode(bytes))) {
    if (INTEGER_PATHS.test(path)) invalid(what, `${path} must be written as an integer, got ${lexeme}`);
  }
}

/**
 * The digest a registry addresses a parsed manifest by, in any supported algorithm: over the exact bytes, or for a
 * signed schema 1 manifest over its JWS payload.
 */
export function manifestDigest(parsed: ParsedManifest, algorithm: DigestAlgorithm = "sha256"): string {
  if (algorithm === "sha256") return parsed.digest;
  return computeDigest(parsed.kind === "schema1" ? parsed.payload : parsed.bytes, algorithm);
}

/**
 * Checks that a parsed manifest has the digest `expected` (e.g. the one in the reference, or `Docker-Content-Digest`).
 * Returns the digest.
 * @throws InvalidDigestError when `expected` is malformed; DigestMismatchError when it differs.
 */
export function verifyManifestDigest(parsed: ParsedManifest, expected: string): string {
  const actual = manifestDigest(parsed, parseDigest(expected).algorithm);
  if (actual !== expected) {
    throw new DigestMismatchError(`manifest digest mismatch: expected ${expected}, got ${actual}`, {
      expected,
      actual,
    });
  }
  return actual;
}
