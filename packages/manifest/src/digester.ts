import { DigestMismatchError, quoteText, SizeMismatchError, UsageError } from "@regatta/errors";
import { type DigestAlgorithm, isDigestAlgorithm, parseDigest } from "./digest.js";
import { createSyncHash } from "./hash.js";
import type { SyncHash } from "./sha2.js";

/**
 * Hashes content chunk by chunk, so a blob is verified while it streams and is never buffered whole. node:crypto on
 * Node, plain JavaScript in a browser (Web Crypto cannot hash a stream).
 */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  #hash: SyncHash;
  #bytes = 0;
  #digest: string | undefined;

  constructor(algorithm: DigestAlgorithm = "sha256") {
    if (!isDigestAlgorithm(algorithm))
      throw new UsageError(`unsupported digest algorithm ${quoteText(algorithm)}`);
    this.algorithm = algorithm;
    this.#hash = createSyncHash(algorithm);
  }

  /** How many bytes have been hashed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Hashes one more chunk. */
  update(chunk: Uint8Array): this {
    if (this.#digest !== undefined) throw new UsageError("Digester.update() called after digest()");
    this.#hash.update(chunk);
    this.#bytes += chunk.byteLength;
    return this;
  }

  /** The digest of everything hashed, as `algorithm:hex`. Further calls return the same value. */
  digest(): string {
    this.#digest ??= `${this.algorithm}:${this.#hash.hex()}`;
    return this.#digest;
  }
}

/** Checks streamed content against a descriptor's digest and size. */
export interface ContentVerifier {
  /** Bytes seen so far. */
  readonly bytes: number;
  /**
   * Feeds one chunk. Throws SizeMismatchError as soon as more bytes than the expected size have arrived, so an
   * overlong (hostile or broken) response is cut off without reading it to the end.
   */
  update(chunk: Uint8Array): void;
  /**
   * Ends the content: throws SizeMismatchError when the length is not the expected size (checked first, as the spec
   * asks), DigestMismatchError when the digest differs. Returns the digest.
   */
  finish(): string;
}

/**
 * A verifier for content that must hash to `expectedDigest` and, when given, be `expectedSize` bytes long.
 * The transport wraps this into a stream transform. Descriptor spec: "If the length of the retrieved content does not
 * match the specified length, the content SHOULD NOT be trusted."
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#properties
 * @throws InvalidDigestError when `expectedDigest` is malformed or uses an unsupported algorithm.
 */
export function createVerifier(expectedDigest: string, expectedSize?: number): ContentVerifier {
  const { algorithm } = parseDigest(expectedDigest);
  if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
    throw new UsageError(`expected size must be a non-negative integer, got ${expectedSize}`);
  }
  const digester = new Digester(algorithm);
  let finished = false;
  return {
    get bytes() {
      return digester.bytes;
    },
    update(chunk: Uint8Array): void {
      if (finished) throw new UsageError("verifier.update() called after finish()");
      digester.update(chunk);
      if (expectedSize !== undefined && digester.bytes > expectedSize) {
        throw new SizeMismatchError(
          `content of ${expectedDigest} is longer than the expected ${expectedSize} bytes (${digester.bytes} so far)`,
          { expected: expectedSize, actual: digester.bytes },
        );
      }
    },
    finish(): string {
      finished = true;
      if (expectedSize !== undefined && digester.bytes !== expectedSize) {
        throw new SizeMismatchError(
          `content of ${expectedDigest} is ${digester.bytes} bytes, expected ${expectedSize}`,
          {
            expected: expectedSize,
            actual: digester.bytes,
          },
        );
      }
      const actual = digester.digest();
      if (actual !== expectedDigest) {
        throw new DigestMismatchError(`content digest mismatch: expected ${expectedDigest}, got ${actual}`, {
          expected: expectedDigest,
          actual,
        });
      }
      return actual;
    },
  };
}
