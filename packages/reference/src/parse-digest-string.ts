import { InvalidDigestError } from "@regatta/errors";
import { charAt, describeProblem, type Problem } from "./problem.js";

/** Digest algorithms Regatta can verify; the OCI image spec registers exactly these two. */
export type DigestAlgorithm = "sha256" | "sha512";

/** A digest split into its algorithm and its lowercase hex encoding. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Hex length of each supported algorithm: the hash size in bytes, twice. */
const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

/** The OCI image-spec digest grammar: `algorithm-component ([+._-] algorithm-component)*`. */
const ALGORITHM = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
/** The OCI image-spec `encoded` production: a superset of hex, so that other algorithms parse before being refused. */
const ENCODED_CHAR = /[a-zA-Z0-9=_-]/;

/**
 * The first problem with a digest string, or undefined. Follows go-digest's order: the OCI grammar, then whether the
 * algorithm is supported, then the length and lowercase hex the algorithm requires.
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
  if (!Object.hasOwn(HEX_LENGTH, algorithm)) {
    return {
      reason: "unsupported algorithm (Regatta supports sha256 and sha512)",
      part: algorithm,
      offset: 0,
    };
  }
  const expected = HEX_LENGTH[algorithm as DigestAlgorithm];
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

/** Whether `digest` is a well-formed sha256 or sha512 digest (`sha256:` + 64 lowercase hex). */
export function isValidDigest(digest: string): boolean {
  return findDigestProblem(digest) === undefined;
}

/**
 * Splits `sha256:<64 hex>` or `sha512:<128 hex>` into algorithm and hex.
 * @throws InvalidDigestError naming the bad part and its column: malformed, unsupported algorithm, wrong length, or
 *   uppercase hex (go-digest refuses it too, and a registry would not find the blob).
 */
export function parseDigestString(digest: string): ParsedDigest {
  const problem = findDigestProblem(digest);
  if (problem)
    throw new InvalidDigestError(`invalid digest ${JSON.stringify(digest)}: ${describeProblem(problem)}`);
  const colon = digest.indexOf(":");
  return { algorithm: digest.slice(0, colon) as DigestAlgorithm, hex: digest.slice(colon + 1) };
}
