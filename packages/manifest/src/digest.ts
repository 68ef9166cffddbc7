import { charAt, describeProblem, InvalidDigestError, type Problem, quoteText } from "@regatta/errors";

/**
 * The digest grammar, in one place for all of Regatta: `algorithm:encoded`, as the OCI descriptor spec writes it.
 * @regatta/reference checks the digest of `name@sha256:…` with {@link findDigestProblem} and re-exports
 * {@link parseDigest} as `parseDigestString`, so a digest typed on a command line and one read from a descriptor or
 * a `Docker-Content-Digest` header pass or fail the same way, with the same message.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests
 * Hashing is in compute-digest.ts and digester.ts.
 */

/** The hash algorithms a digest may use here: the two the OCI spec registers, and the two Regatta can verify. */
export type DigestAlgorithm = "sha256" | "sha512";

/** A digest split into its parts. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  /** The lower-case hex encoding of the hash. */
  hex: string;
}

/** The digest grammar of the OCI descriptor spec, for any algorithm (registered or not). */
export const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The `algorithm` production of {@link DIGEST_GRAMMAR}: `algorithm-component ([+._-] algorithm-component)*`. */
const ALGORITHM = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
/** The `encoded` production of {@link DIGEST_GRAMMAR}: a superset of hex, so other algorithms parse before being refused. */
const ENCODED_CHAR = /[a-zA-Z0-9=_-]/;

/** Hex length of each registered algorithm: the hash size in bytes, twice. */
const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

/** Whether `algorithm` is one this package can compute. */
export function isDigestAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return Object.hasOwn(HEX_LENGTH, algorithm);
}

/**
 * The first problem with a digest string, or undefined: what is wrong, the offending part and its offset, for an
 * error that names the column (see `describeProblem` in @regatta/errors). Follows go-digest's order: the OCI grammar,
 * then whether the algorithm is supported, then the length and lower-case hex the algorithm requires.
 */
export function findDigestProblem(digest: string): Problem | undefined {
  if (digest === "") return { reason: "digest is empty", offset: 0 };
  const colon = digest.indexOf(":");
  if (colon < 0)
    return { reason: "a digest is <algorithm>:<hex>, the ':' is missing", part: digest, offset: 0 };
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (algorithm === "") return { reason: "digest algorithm is empty", part: ":", offset: 0 };
  if (!ALGORITHM.test(algorithm)) {
    const upper = algorithm.search(/[A-Z]/);
    if (upper >= 0) {
      return { reason: "digest algorithm must be lowercase", part: charAt(algorithm, upper), offset: upper };
    }
    return { reason: "digest algorithm is malformed", part: algorithm, offset: 0 };
  }
  if (encoded === "") return { reason: "digest hex is empty", part: ":", offset: colon };
  for (let i = 0; i < encoded.length; i++) {
    const c = charAt(encoded, i);
    if (!ENCODED_CHAR.test(c))
      return { reason: "invalid character in digest", part: c, offset: colon + 1 + i };
  }
  if (!isDigestAlgorithm(algorithm)) {
    return {
      reason: "unsupported algorithm (Regatta supports sha256 and sha512)",
      part: algorithm,
      offset: 0,
    };
  }
  const expected = HEX_LENGTH[algorithm];
  if (encoded.length !== expected) {
    return {
      reason: `${algorithm} needs ${expected} hex characters, this one has ${encoded.length}`,
      part: encoded.length > 16 ? `${encoded.slice(0, 12)}…` : encoded,
      offset: colon + 1,
    };
  }
  const bad = encoded.search(/[^a-f0-9]/);
  if (bad >= 0) {
    const c = charAt(encoded, bad);
    const reason = /[A-F]/.test(c) ? "digest hex must be lowercase" : "digest hex may hold only 0-9 and a-f";
    return { reason, part: c, offset: colon + 1 + bad };
  }
  return undefined;
}

/**
 * Splits and checks a digest. Only `sha256` (64 lower-case hex) and `sha512` (128) are accepted: the spec says
 * registered algorithms MUST be lower-case hex of the hash length, and Regatta cannot verify any other algorithm.
 * go-digest refuses upper-case hex too, and a registry would not find the blob by it.
 * @throws InvalidDigestError naming the bad part and its column: malformed, unsupported algorithm, wrong length, or
 *   upper-case hex.
 */
export function parseDigest(digest: string): ParsedDigest {
  if (typeof digest !== "string")
    throw new InvalidDigestError(`a digest must be a string, got ${typeof digest}`);
  const problem = findDigestProblem(digest);
  if (problem)
    throw new InvalidDigestError(`invalid digest ${quoteText(digest)}: ${describeProblem(problem)}`);
  const colon = digest.indexOf(":");
  return { algorithm: digest.slice(0, colon) as DigestAlgorithm, hex: digest.slice(colon + 1) };
}

/** Whether `digest` is a well-formed sha256 or sha512 digest (`sha256:` + 64 lower-case hex): what {@link parseDigest} accepts. */
export function isValidDigest(digest: string): boolean {
  return typeof digest === "string" && findDigestProblem(digest) === undefined;
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
  return isDigestAlgorithm(algorithm) ? findDigestProblem(digest) === undefined : true;
}

/** How many characters of the encoded part a short digest keeps: docker's short image IDs. */
export const SHORT_DIGEST_LENGTH = 12;

/**
 * A digest cut short for people (tables, one-line notices): its algorithm and the first 12 characters of its
 * encoded part, `sha256:0123456789ab`, as docker shortens image IDs. `mark` (say `…`) is appended when something was
 * cut. A string with no colon, or an encoded part of 12 characters or fewer, is returned as it is. Not a reference:
 * never parse it back or address content with it.
 */
export function shortDigest(digest: string, mark = ""): string {
  const colon = digest.indexOf(":");
  if (colon < 0 || digest.length <= colon + 1 + SHORT_DIGEST_LENGTH) return digest;
  return `${digest.slice(0, colon + 1 + SHORT_DIGEST_LENGTH)}${mark}`;
}
