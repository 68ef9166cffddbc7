/**
 * The bytes of an upload, read once in order: in fixed-size chunks (chunked PATCHes) or as one stream (a streamed
 * PATCH or the monolithic PUT). Every byte read is hashed, so the digest is known at the end even when the caller did
 * not give it, and a given digest (and size) is checked before the registry is asked to commit the blob.
 *
 * After an interrupted request the upload goes on from wherever the registry says it stands: a replayable source
 * (bytes, or a stream factory) is opened again and the bytes before that point are read, hashed and dropped, so the
 * digest still covers the whole blob.
 */
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { DigestMismatchError, SizeMismatchError, UsageError } from "@regatta/errors";
import { type DigestAlgorithm, Digester, parseDigest } from "@regatta/manifest";
import type { UploadRequest } from "./uploads.js";

/** What the cursor checks and reports. */
export interface UploadSourceOptions {
  /** The expected digest; checked at the end when `verify` is on. Its algorithm is the one hashed with. */
  digest?: string;
  /** The expected size; checked as bytes are read and at the end. */
  size?: number;
  /** Hash and check a given digest (default true). Off when the bytes are already verified on the way in. */
  verify?: boolean;
  /** Called with the number of bytes read so far (it goes back after a restart). */
  onProgress?: (bytes: number) => void;
  /** What is uploaded, for error messages. */
  what: string;
  /** Handed to a stream factory (UploadRequest.source). */
  signal?: AbortSignal;
}

function toBuffer(piece: Uint8Array | string): Buffer {
  // Stryker disable next-line ConditionalExpression: Buffer.from of a Uint8Array is a copy of the same bytes
  return typeof piece === "string"
    ? Buffer.from(piece)
    : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
}

/** A read position over an upload's source; see the module comment. */
export class UploadSource {
  /** Whether the source can be read again from the start (bytes or a factory). */
  readonly replayable: boolean;
  readonly #source: UploadRequest["source"];
  readonly #options: UploadSourceOptions;
  readonly #algorithm: DigestAlgorithm;
  /** Hashing is needed when the digest is unknown, or known and to be verified. */
  readonly #hashing: boolean;
  #digester: Digester | undefined;
  #stream: Readable | undefined;
  #iterator: AsyncIterator<Uint8Array | string> | undefined;
  #opened = false;
  #leftover: Buffer | undefined;
  // Stryker disable next-line BooleanLiteral: nothing reads it before #open() sets it
  #ended = false;
  /** False while a `rest()` stream is being read: the position is then unknown until it ends. */
  // Stryker disable next-line BooleanLiteral: unopened, canContinueAt's second test answers for offset 0 the same
  #settled = true;
  #offset = 0;
  /** The first error the source stream emitted, if any. */
  #streamError: Error | undefined;

  constructor(source: UploadRequest["source"], options: UploadSourceOptions) {
    this.#source = source;
    this.#options = options;
    this.replayable = source instanceof Uint8Array || typeof source === "function";
    this.#algorithm = options.digest ? parseDigest(options.digest).algorithm : "sha256";
    this.#hashing = !options.digest || options.verify !== false;
  }

  /** Bytes read (and hashed) from the start of the blob. */
  get offset(): number {
    return this.#offset;
  }

  /** Whether the next read can start at `offset` without opening the source again. */
  canContinueAt(offset: number): boolean {
    // Stryker disable next-line ConditionalExpression: unopened, the cursor is settled at 0, so the first test already holds the second
    return (this.#settled && offset === this.#offset) || (!this.#opened && offset === 0) || this.replayable;
  }

  /** Positions the source at `offset`: a no-op when it is there already, else a fresh read skipping `offset` bytes. */
  async seek(offset: number): Promise<void> {
    if (this.#opened && this.#settled && offset === this.#offset) return;
    if (!this.#opened && offset === 0) {
      await this.#open();
      return;
    }
    if (!this.replayable) {
      throw new UsageError(
        `${this.#options.what}: cannot go on from byte ${offset} of a stream that can only be read once; pass bytes or a stream factory to make uploads resumable`,
      );
    }
    await this.#open();
    while (this.#offset < offset) {
      const piece = await this.#read(offset - this.#offset);
      if (!piece) {
        throw new SizeMismatchError(
          `${this.#options.what}: the source ended at ${this.#offset} bytes, before byte ${offset} the registry holds`,
        );
      }
    }
  }

  /** The next chunk of at most `size` bytes (exactly `size` unless the source ends), or undefined at the end. */
  async next(size: number): Promise<Buffer | undefined> {
    // A caller with a whole chunk or more in hand asks for nothing, and gets nothing.
    if (size <= 0) return undefined;
    const first = await this.#read(size);
    if (!first || first.length === size) return first;
    // Copied into one buffer as the pieces come: keeping every piece and then concatenating them held a chunk twice
    // (a 256 MiB --chunk-size peaked near three times that with the last one). With the source's size known, the
    // buffer is the chunk's size from the start; without it, it grows by doubling up to `size`.
    const left =
      this.#options.size === undefined ? undefined : this.#options.size - this.#offset + first.length;
    let chunk = Buffer.allocUnsafe(
      left === undefined
        ? Math.min(size, Math.max(first.length * 2, 1 << 20))
        : Math.max(first.length, Math.min(size, left)),
    );
    first.copy(chunk);
    let have = first.length;
    while (have < size) {
      const piece = await this.#read(size - have);
      if (!piece) break;
      if (have + piece.length > chunk.length) {
        const grown = Buffer.allocUnsafe(Math.min(size, Math.max(chunk.length * 2, have + piece.length)));
        chunk.copy(grown, 0, 0, have);
        chunk = grown;
      }
      piece.copy(chunk, have);
      have += piece.length;
    }
    return chunk.subarray(0, have);
  }

  /**
   * The rest of the source as one stream, hashed and counted on the way; it fails instead of ending when the size or
   * a verified digest does not match, so the request carrying it is aborted before the registry commits anything.
   */
  rest(): Readable {
    if (!this.#opened) throw new UsageError(`${this.#options.what}: internal: rest() before seek()`);
    this.#settled = false;
    const self = this;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        try {
          self.#account(chunk);
        } catch (err) {
          return callback(err as Error);
        }
        callback(null, chunk);
      },
      flush(callback: TransformCallback) {
        try {
          self.#ended = true;
          self.check();
          self.#settled = true;
          callback();
        } catch (err) {
          callback(err as Error);
        }
      },
    });
    // The request body's consumer (undici) stops listening once it has seen an error, but a failing source (a
    // verifying download that ends in a digest mismatch) can make the tap emit again: never let that be uncaught.
    // The error itself reaches the upload through the failed request.
    tap.on("error", () => {});
    if (this.#leftover) {
      const leftover = this.#leftover;
      this.#leftover = undefined;
      tap.write(leftover);
    }
    if (this.#ended) {
      tap.end();
      return tap;
    }
    if (this.#iterator) {
      // Chunks were read through the iterator before: go on with it (a stream cannot be piped once iterated).
      const iterator = this.#iterator;
      void (async () => {
        try {
          for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
            if (!tap.write(toBuffer(r.value))) await new Promise((resolve) => tap.once("drain", resolve));
          }
          tap.end();
        } catch (err) {
          tap.destroy(err as Error);
        }
      })();
    } else {
      const stream = this.#stream!;
      stream.once("error", (err) => tap.destroy(err));
      tap.once("close", () => {
        // Stryker disable next-line ConditionalExpression: destroying a stream that has ended does nothing more
        if (!stream.readableEnded) stream.destroy();
      });
      stream.pipe(tap);
    }
    return tap;
  }

  /** The digest of everything read: the given one when hashing is off. Only meaningful at the end. */
  digest(): string {
    if (!this.#digester) return this.#options.digest!;
    return this.#digester.digest();
  }

  /** At the end: the size and a verified digest must match. */
  check(): void {
    if (this.#streamError) throw this.#streamError;
    const { size, digest, what } = this.#options;
    if (size !== undefined && this.#offset !== size) {
      throw new SizeMismatchError(`${what}: the source had ${this.#offset} bytes, expected ${size}`, {
        expected: size,
        actual: this.#offset,
      });
    }
    if (digest && this.#digester) {
      const actual = this.#digester.digest();
      if (actual !== digest) {
        throw new DigestMismatchError(
          `${what}: the content's digest is ${actual}, not ${digest} as given; nothing was committed`,
          { expected: digest, actual },
        );
      }
    }
  }

  /** Releases the source stream. */
  close(): void {
    this.#stream?.destroy();
  }

  async #open(): Promise<void> {
    this.#stream?.destroy();
    this.#stream = undefined;
    this.#streamError = undefined;
    const source = this.#source;
    if (source instanceof Uint8Array) {
      // Bytes: a one-chunk iterator stands in for the stream.
      const bytes = toBuffer(source);
      this.#stream = undefined;
      this.#iterator = (async function* () {
        yield bytes;
      })();
    } else {
      // A factory may open its stream asynchronously (a download that waits for its response headers).
      const stream = typeof source === "function" ? await source(this.#options.signal) : source;
      // Kept for the whole life of the stream: a verifying download can fail at its very end (digest mismatch)
      // after the upload stopped reading it, and an 'error' event nobody listens to would crash the process. The
      // error still reaches the upload through the read that sees it, and check() reports it otherwise.
      stream.on("error", (err) => {
        this.#streamError ??= err;
      });
      this.#stream = stream;
      this.#iterator = undefined;
    }
    this.#opened = true;
    this.#settled = true;
    this.#ended = false;
    this.#leftover = undefined;
    this.#offset = 0;
    this.#digester = this.#hashing ? new Digester(this.#algorithm) : undefined;
  }

  /** Reads at most `max` bytes, hashing them. */
  async #read(max: number): Promise<Buffer | undefined> {
    if (!this.#opened) await this.#open();
    let piece = this.#leftover;
    this.#leftover = undefined;
    if (!piece) {
      if (this.#ended) return undefined;
      this.#iterator ??= (this.#stream as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
      const r = await this.#iterator.next();
      if (r.done) {
        this.#ended = true;
        return undefined;
      }
      piece = toBuffer(r.value);
    }
    // Stryker disable next-line EqualityOperator: a piece of exactly `max` leaves an empty leftover, read next as nothing
    if (piece.length > max) {
      this.#leftover = piece.subarray(max);
      piece = piece.subarray(0, max);
    }
    this.#account(piece);
    return piece;
  }

  #account(piece: Buffer): void {
    this.#digester?.update(piece);
    this.#offset += piece.length;
    const { size, what } = this.#options;
    if (size !== undefined && this.#offset > size) {
      throw new SizeMismatchError(`${what}: the source is longer than the expected ${size} bytes`, {
        expected: size,
        actual: this.#offset,
      });
    }
    this.#options.onProgress?.(this.#offset);
  }
}
