import { createHash } from "node:crypto";
import { DigestMismatchError, InvalidDigestError } from "@regatta/errors";

/**
 * Content digests: `algorithm:encoded`, always computed over the exact bytes (never re-serialised JSON).
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests
 */

/** The hash algorithms a digest may use here: the two the OCI spec registers. */
export type DigestAlgorithm = "sha256" | "sha512";

/** A digest split into its parts. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  /** The lower-case hex encoding of the hash. */
  hex: string;
}

/** The digest grammar of the OCI descriptor spec, for any algorithm (registered or not). */
export const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The registered algorithms and their encoded form: lower-case hex of a fixed length. */
const REGISTERED: Readonly<Record<DigestAlgorithm, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** Whether `algorithm` is one this package can compute. */
export function isDigestAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return Object.hasOwn(REGISTERED, algorithm);
}

/**
 * Splits and checks a digest. Only `sha256` (64 lower-case hex) and `sha512` (128) are accepted: the spec says
 * registered algorithms MUST be lower-case hex of the hash length, and Regatta cannot verify any other algorithm.
 * @throws InvalidDigestError for anything else.
 */
export function parseDigest(digest: string): ParsedDigest {
  if (typeof digest !== "string")
    throw new InvalidDigestError(`a digest must be a string, got ${typeof digest}`);
  const colon = digest.indexOf(":");
  if (colon === -1 || !DIGEST_GRAMMAR.test(digest)) {
    throw new InvalidDigestError(`invalid digest ${JSON.stringify(digest)}: expected algorithm:hex`);
  }
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new InvalidDigestError(
      `unsupported digest algorithm ${JSON.stringify(algorithm)} in ${digest}: use sha256 or sha512`,
    );
  }
  if (!REGISTERED[algorithm].test(hex)) {
    const length = algorithm === "sha256" ? 64 : 128;
    throw new InvalidDigestError(
      `invalid ${algorithm} digest ${JSON.stringify(digest)}: expected ${length} lower-case hex digits`,
    );
  }
  return { algorithm, hex };
}

/**
 * Whether a digest is well formed for use in a descriptor: the registered algorithms must be valid hex of the right
 * length, and any other algorithm must follow the grammar (the spec says implementations SHOULD let unregistered
 * algorithms pass validation; they fail later, when content has to be verified).
 */
export function isValidDescriptorDigest(digest: string): boolean {
  if (typeof digest !== "string" || !DIGEST_GRAMMAR.test(digest)) return false;
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  return isDigestAlgorithm(algorithm) ? REGISTERED[algorithm].test(digest.slice(colon + 1)) : true;
}

/** The digest of `bytes`, as `algorithm:hex`. */
export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = "sha256"): string {
  if (!isDigestAlgorithm(algorithm))
    throw new InvalidDigestError(`unsupported digest algorithm ${JSON.stringify(algorithm)}`);
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/**
 * Checks that `bytes` hash to `expected`, in `expected`'s algorithm. Returns the digest.
 * @throws InvalidDigestError when `expected` is malformed; DigestMismatchError (with `expected`/`actual`) otherwise.
 */
export function verifyDigest(bytes: Uint8Array, expected: string): string {
  const { algorithm } = parseDigest(expected);
  const actual = computeDigest(bytes, algorithm);
  if (actual !== expected) {
    throw new DigestMismatchError(`content digest mismatch: expected ${expected}, got ${actual}`, {
      expected,
      actual,
    });
  }
  return actual;
}
