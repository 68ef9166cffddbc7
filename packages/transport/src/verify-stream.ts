/**
 * Size and digest verification of a blob while it streams: bytes pass through untouched, and the stream fails with
 * SizeMismatchError as soon as more bytes arrive than expected, or at EOF with SizeMismatchError (truncated) or
 * DigestMismatchError (tampered). Memory stays flat: only the running hash is kept. The checks themselves are
 * @regatta/manifest's `createVerifier`; this file only makes a stream of it.
 */
import { Transform, type TransformCallback } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "@regatta/errors";
import type { ContentVerifier } from "@regatta/manifest";

/** What to verify with. */
export interface VerifyStreamOptions {
  /**
   * From `createVerifier(digest, size)`; for a resumed download, already fed with the bytes before this stream,
   * so the digest and size cover the whole blob.
   */
  verifier: ContentVerifier;
  /** What is streamed, prefixed to error messages: "blob sha256:… from ghcr.io/x/y". */
  what?: string;
}

/** Re-creates a verification error with the context in front of its message. */
function withContext(err: unknown, what: string | undefined): unknown {
  if (!what) return err;
  if (err instanceof SizeMismatchError) {
    return new SizeMismatchError(`${what}: ${err.message}`, {
      code: err.code,
      expected: err.expected,
      actual: err.actual,
    });
  }
  if (err instanceof DigestMismatchError) {
    return new DigestMismatchError(`${what}: ${err.message}`, { expected: err.expected, actual: err.actual });
  }
  return err;
}

/** A pass-through stream that checks size and digest; see the module comment. */
export function createVerifyStream(options: VerifyStreamOptions): Transform {
  const { verifier, what } = options;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        // Throws on the overrun itself: a hostile server must not be able to stream forever.
        verifier.update(chunk);
      } catch (err) {
        return callback(withContext(err, what) as Error);
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      try {
        verifier.finish();
      } catch (err) {
        return callback(withContext(err, what) as Error);
      }
      callback();
    },
  });
}
