import { equalBytes } from "./base64.js";
import { decodeBase64Url } from "./base64url.js";
import {
  checkDigest,
  checkString,
  describe,
  invalid,
  isJsonObject,
  type JsonObject,
  parseJsonObject,
} from "./json-checks.js";

/**
 * Docker image manifest schema 1, deprecated: Docker Hub stopped serving it in 2024, but old private registries still
 * hold some. Read here; built in schema1-build.ts, signed and verified in schema1-sign.ts.
 * https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/manifest-v2-1.md
 */
export interface Schema1Manifest {
  /** Always 1. */
  schemaVersion: 1;
  /** Repository name (`library/busybox`). */
  name: string;
  /** Tag the manifest was pushed as. */
  tag: string;
  /** Architecture of the image (`amd64`). */
  architecture: string;
  /** Layer digests, newest first (the reverse of schema 2 order). */
  fsLayers: Array<{ blobSum: string }>;
  /** v1 image JSON per layer, newest first, each a JSON document in a string. */
  history: Array<{ v1Compatibility: string }>;
  /** libtrust JWS signatures, when signed (`+prettyjws`). */
  signatures?: Schema1Signature[];
}

/** One libtrust JWS signature of a schema 1 manifest. */
export interface Schema1Signature {
  header: { jwk?: Record<string, unknown>; alg: string; x5c?: string[] };
  signature: string;
  /** base64url JSON with `formatLength`, `formatTail` and `time`. */
  protected: string;
}

function base64url(value: unknown, path: string, what: string): Uint8Array {
  const bytes = decodeBase64Url(checkString(value, path, what));
  if (!bytes) invalid(what, `${path} is not base64url`);
  return bytes;
}

/**
 * The bytes a schema 1 manifest's digest is computed over. For an unsigned manifest, the bytes themselves. For a
 * signed one, the JWS payload: libtrust signs the document without its `signatures` key, and records in each
 * signature's protected header how to rebuild it from the pretty-printed form: the first `formatLength` bytes, then
 * the base64url `formatTail` (usually `"\n}"`). Registries address signed manifests by the digest of that payload.
 * https://github.com/docker/libtrust/blob/master/jsonsign.go (ParsePrettySignature)
 * https://github.com/distribution/distribution/blob/v2.8.3/manifest/schema1/manifest.go (SignedManifest.UnmarshalJSON)
 * @throws InvalidManifestError when the signatures are malformed or disagree.
 */
export function schema1Payload(bytes: Uint8Array, body?: JsonObject): Uint8Array {
  const what = "schema 1 manifest";
  body ??= parseJsonObject(bytes, what);
  const signatures = body.signatures;
  if (signatures === undefined) return bytes;
  if (!Array.isArray(signatures) || signatures.length === 0) {
    invalid(what, `signatures must be a non-empty array, got ${describe(signatures)}`);
  }
  let formatLength: number | undefined;
  let formatTail: Uint8Array | undefined;
  signatures.forEach((sig, i) => {
    const path = `signatures[${i}]`;
    if (!isJsonObject(sig)) invalid(what, `${path} must be an object`);
    const protectedBytes = base64url(sig.protected, `${path}.protected`, what);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(protectedBytes));
    } catch {
      invalid(what, `${path}.protected is not base64url JSON`);
    }
    if (!isJsonObject(header)) invalid(what, `${path}.protected is not a JSON object`);
    const length = header.formatLength;
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
      invalid(what, `${path}.protected.formatLength must be a non-negative integer, got ${describe(length)}`);
    }
    const tail = base64url(header.formatTail, `${path}.protected.formatTail`, what);
    if (formatLength === undefined) formatLength = length;
    else if (formatLength !== length) invalid(what, "signatures disagree on formatLength");
    if (formatTail === undefined) formatTail = tail;
    else if (!equalBytes(formatTail, tail)) invalid(what, "signatures disagree on formatTail");
  });
  if (formatLength! > bytes.byteLength) {
    invalid(what, `formatLength ${formatLength} is beyond the end of the ${bytes.byteLength}-byte manifest`);
  }
  const payload = new Uint8Array(formatLength! + formatTail!.byteLength);
  payload.set(bytes.subarray(0, formatLength));
  payload.set(formatTail!, formatLength);
  return payload;
}

/** Checks the fields of a schema 1 manifest (the payload, without `signatures`). */
export function checkSchema1(body: JsonObject, what: string): Schema1Manifest {
  if (body.schemaVersion !== 1) invalid(what, `schemaVersion must be 1, got ${describe(body.schemaVersion)}`);
  checkString(body.name, "name", what);
  checkString(body.tag, "tag", what);
  checkString(body.architecture, "architecture", what);
  if (!Array.isArray(body.fsLayers))
    invalid(what, `fsLayers must be an array, got ${describe(body.fsLayers)}`);
  body.fsLayers.forEach((layer, i) => {
    if (!isJsonObject(layer)) invalid(what, `fsLayers[${i}] must be an object`);
    checkDigest(layer.blobSum, `fsLayers[${i}].blobSum`, what);
  });
  if (!Array.isArray(body.history)) invalid(what, `history must be an array, got ${describe(body.history)}`);
  body.history.forEach((entry, i) => {
    if (!isJsonObject(entry)) invalid(what, `history[${i}] must be an object`);
    checkString(entry.v1Compatibility, `history[${i}].v1Compatibility`, what);
  });
  return body as unknown as Schema1Manifest;
}
