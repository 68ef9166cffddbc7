import { DigestMismatchError, InvalidDigestError, quoteText } from "@regatta/errors";
import { type DigestAlgorithm, isDigestAlgorithm, parseDigest } from "./digest.js";
import { createSyncHash } from "./hash.js";

/**
 * Content digests, always computed over the exact bytes (never re-serialised JSON).
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests
 */

/**
 * The digest of `bytes`, as `algorithm:hex`. Synchronous everywhere: node:crypto on Node, plain JavaScript in a
 * browser (see {@link computeDigestAsync} for large content there).
 */
export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = "sha256"): string {
  checkAlgorithm(algorithm);
  const hash = createSyncHash(algorithm);
  hash.update(bytes);
  return `${algorithm}:${hash.hex()}`;
}

/**
 * The digest of `bytes` through Web Crypto (`crypto.subtle.digest`), which runs natively in browsers, workers and
 * Node: the fast way to hash a large blob in a browser. Where `crypto.subtle` is missing (a page served over plain
 * http is not a secure context), it falls back to {@link computeDigest}.
 * https://developer.mozilla.org/en-US/docs/Web/API/SubtleCrypto/digest
 */
export async function computeDigestAsync(
  bytes: Uint8Array,
  algorithm: DigestAlgorithm = "sha256",
): Promise<string> {
  checkAlgorithm(algorithm);
  const subtle = (globalThis as { crypto?: { subtle?: WebCryptoDigest } }).crypto?.subtle;
  if (!subtle) return computeDigest(bytes, algorithm);
  const hash = new Uint8Array(await subtle.digest(algorithm === "sha256" ? "SHA-256" : "SHA-512", bytes));
  return `${algorithm}:${Array.from(hash, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
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

/** The part of Web Crypto's SubtleCrypto used here (the package is built without the DOM types). */
interface WebCryptoDigest {
  digest(algorithm: "SHA-256" | "SHA-512", data: Uint8Array): Promise<ArrayBuffer>;
}

function checkAlgorithm(algorithm: DigestAlgorithm): void {
  if (!isDigestAlgorithm(algorithm))
    throw new InvalidDigestError(`unsupported digest algorithm ${quoteText(algorithm)}`);
}
