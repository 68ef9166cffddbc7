import { DigestMismatchError, SizeMismatchError, UsageError } from "@regatta/errors";
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
      throw new UsageError(`unsupported digest algorithm ${JSON.stringify(algorithm)}`);
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
 * A hash that runs elsewhere (a worker thread; see @regatta/transport's hash workers): `update` may ask the caller
 * to wait before the next chunk (its buffer is full), and the digest arrives later.
 */
export interface DeferredHash {
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** The hex digest of everything fed, once the hash has caught up. */
  hex(): Promise<string>;
  /** Gives up: the content will not be finished (a failed or cancelled download); frees what the hash holds. */
  abandon(): void;
}

/** A {@link ContentVerifier} over a {@link DeferredHash}: the same checks, the digest awaited. */
export interface DeferredVerifier {
  readonly bytes: number;
  /** Feeds one chunk; throws SizeMismatchError on an overrun at once; a promise means wait before the next one. */
  update(chunk: Uint8Array): Promise<void> | undefined;
  finish(): Promise<string>;
  /** The content will not be finished; see {@link DeferredHash.abandon}. */
  abandon(): void;
}

/** The size and digest checks both verifiers make, with the spec's order: size first, then digest. */
class ContentChecks {
  bytes = 0;
  finished = false;
  constructor(
    readonly expectedDigest: string,
    readonly expectedSize: number | undefined,
  ) {
    if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
      throw new UsageError(`expected size must be a non-negative integer, got ${expectedSize}`);
    }
  }

  /** Counts a chunk; throws on an overrun, so a hostile server cannot stream forever. */
  count(chunk: Uint8Array): void {
    if (this.finished) throw new UsageError("verifier.update() called after finish()");
    this.bytes += chunk.byteLength;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      throw new SizeMismatchError(
        `content of ${this.expectedDigest} is longer than the expected ${this.expectedSize} bytes (${this.bytes} so far)`,
        { expected: this.expectedSize, actual: this.bytes },
      );
    }
  }

  /** Ends the content: a short one throws before its digest is even asked for. */
  end(): void {
    this.finished = true;
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      throw new SizeMismatchError(
        `content of ${this.expectedDigest} is ${this.bytes} bytes, expected ${this.expectedSize}`,
        { expected: this.expectedSize, actual: this.bytes },
      );
    }
  }

  compare(actual: string): string {
    if (actual !== this.expectedDigest) {
      throw new DigestMismatchError(
        `content digest mismatch: expected ${this.expectedDigest}, got ${actual}`,
        { expected: this.expectedDigest, actual },
      );
    }
    return actual;
  }
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
  const checks = new ContentChecks(expectedDigest, expectedSize);
  const digester = new Digester(algorithm);
  return {
    get bytes() {
      return checks.bytes;
    },
    update(chunk: Uint8Array): void {
      checks.count(chunk);
      digester.update(chunk);
    },
    finish(): string {
      checks.end();
      return checks.compare(digester.digest());
    },
  };
}

/**
 * {@link createVerifier} with the hashing done by `hash` (of the digest's algorithm, made by the caller), so that a
 * large blob's bytes are hashed on another core while this thread receives and writes them.
 */
export function createDeferredVerifier(
  expectedDigest: string,
  expectedSize: number | undefined,
  hash: DeferredHash,
): DeferredVerifier {
  const { algorithm } = parseDigest(expectedDigest);
  const checks = new ContentChecks(expectedDigest, expectedSize);
  return {
    get bytes() {
      return checks.bytes;
    },
    update(chunk) {
      checks.count(chunk);
      return hash.update(chunk);
    },
    async finish() {
      try {
        checks.end();
      } catch (error) {
        hash.abandon();
        throw error;
      }
      return checks.compare(`${algorithm}:${await hash.hex()}`);
    },
    abandon: () => hash.abandon(),
  };
}
