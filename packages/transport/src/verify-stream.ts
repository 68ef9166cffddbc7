/**
 * Size and digest verification of a blob while it streams: bytes pass through untouched, and the stream fails with
 * SizeMismatchError as soon as more bytes arrive than expected, or at EOF with SizeMismatchError (truncated) or
 * DigestMismatchError (tampered). Memory stays flat: only the running hash is kept. The checks themselves are
 * @regatta/manifest's `createVerifier`; this file only makes a stream of it.
 */
import { Transform, type TransformCallback } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "@regatta/errors";
import type { ContentVerifier, DeferredVerifier } from "@regatta/manifest";

/** What to verify with. */
export interface VerifyStreamOptions {
  /**
   * From `createVerifier(digest, size)`; for a resumed download, already fed with the bytes before this stream,
   * so the digest and size cover the whole blob.
   */
  verifier: ContentVerifier | DeferredVerifier;
  /** What is streamed, prefixed to error messages: "blob sha256:… from ghcr.io/x/y". */
  what?: string;
}

/** Re-creates a verification error with the context in front of its message. */
function withContext(err: unknown, what: string | undefined): unknown {
  if (!what) return err;
  if (err instanceof SizeMismatchError) {
    return new SizeMismatchError(`${what}: ${err.message}`, { expected: err.expected, actual: err.actual });
  }
  if (err instanceof DigestMismatchError) {
    return new DigestMismatchError(`${what}: ${err.message}`, { expected: err.expected, actual: err.actual });
  }
  return err;
}

/**
 * A pass-through stream that checks size and digest; see the module comment. With a deferred verifier (a large blob
 * hashed on a worker thread, hash-workers.ts) a chunk is passed on as soon as it is handed to the hash, the hash's
 * back-pressure holds the next one, and the end waits for the digest: nothing downstream sees the stream end before
 * the content is verified.
 */
export function createVerifyStream(options: VerifyStreamOptions): Transform {
  const { verifier, what } = options;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let wait: Promise<void> | undefined | void;
      try {
        // Throws on the overrun itself: a hostile server must not be able to stream forever.
        wait = verifier.update(chunk);
      } catch (err) {
        return callback(withContext(err, what) as Error);
      }
      if (!wait) return callback(null, chunk);
      this.push(chunk);
      wait.then(
        () => callback(),
        (err: unknown) => callback(withContext(err, what) as Error),
      );
    },
    flush(callback: TransformCallback) {
      let digest: string | Promise<string>;
      try {
        digest = verifier.finish();
      } catch (err) {
        return callback(withContext(err, what) as Error);
      }
      if (typeof digest === "string") return callback();
      digest.then(
        () => callback(),
        (err: unknown) => callback(withContext(err, what) as Error),
      );
    },
    destroy(error, callback) {
      // A download that fails or is cancelled half-way frees what its hash holds (a ring on a worker thread).
      if ("abandon" in verifier) verifier.abandon();
      callback(error);
    },
  });
}
