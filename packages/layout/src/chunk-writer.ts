import type { FileHandle } from "node:fs/promises";
import { fileSystemError } from "./atomic-file.js";

/** Where downloaded chunks go. `write` returns a promise only when the caller must wait (back-pressure). */
export interface ChunkSink {
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Writes what is pending and, with `sync`, flushes it to the disk. Closes the file when the sink owns it. */
  close(): Promise<void>;
}

export interface PositionalWriterOptions {
  /** Bytes gathered before one `writev` (default 1 MiB): fewer, larger writes cost less than one per 64 KiB chunk. */
  batchBytes?: number;
  /** Called after each write lands, with the position up to which the file now holds the data. */
  onWritten?: (position: number) => void;
  /** `fdatasync` before closing, so the bytes are on the disk before the caller renames or records them. */
  sync?: boolean;
  /** Close the handle in `close()` (default true). */
  ownsHandle?: boolean;
  /** The file's path, named in errors (`no space left on device: writing PATH`). */
  path?: string;
}

/**
 * Writes all of `buffers` at `at`. A `writev` may write less than asked (a disk that fills up takes what fits and
 * refuses the rest with ENOSPC only on the next call, see write(2)), so the rest is written again until it is all
 * there or the system says why not.
 */
async function writeAll(
  handle: FileHandle,
  buffers: Uint8Array[],
  at: number,
  length: number,
): Promise<void> {
  let done = (await handle.writev(buffers, at)).bytesWritten;
  if (done === length) return;
  const rest = Buffer.concat(buffers);
  while (done < length) {
    const { bytesWritten } = await handle.write(rest, done, length - done, at + done);
    if (bytesWritten === 0) {
      throw Object.assign(new Error(`wrote ${done} of ${length} bytes, then nothing`), { code: "EIO" });
    }
    done += bytesWritten;
  }
}

/**
 * Writes a stream of chunks into a file at increasing positions, starting at `start`: chunks are gathered into
 * batches written with one `writev` each, with at most one batch in flight while the next one fills, so memory
 * stays at about two batches per blob whatever its size. Positional writes let several blobs go into one file (a
 * tarball laid out in advance) at the same time.
 */
export function positionalWriter(
  handle: FileHandle,
  start: number,
  options: PositionalWriterOptions = {},
): ChunkSink {
  const batchBytes = options.batchBytes ?? 1024 * 1024;
  let position = start;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let inFlight: Promise<void> | undefined;
  let failed: unknown;

  const flush = (): Promise<void> => {
    const buffers = pending;
    const at = position;
    const length = pendingBytes;
    pending = [];
    pendingBytes = 0;
    position += length;
    const done = writeAll(handle, buffers, at, length).then(
      () => options.onWritten?.(at + length),
      (error: unknown) => {
        failed = options.path ? fileSystemError(error, options.path) : error;
        throw failed;
      },
    );
    return done;
  };

  return {
    write(chunk) {
      if (failed) return Promise.reject(failed);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes < batchBytes) return undefined;
      const previous = inFlight;
      if (previous) {
        // Wait for the batch in flight before sending the next: one batch on its way, one filling.
        return previous.then(() => {
          inFlight = flush();
          inFlight.catch(() => {});
        });
      }
      inFlight = flush();
      inFlight.catch(() => {});
      return undefined;
    },
    async close() {
      try {
        if (inFlight) await inFlight;
        if (pendingBytes > 0) await flush();
        if (options.sync) await handle.datasync();
      } catch (error) {
        throw options.path ? fileSystemError(error, options.path) : error;
      } finally {
        if (options.ownsHandle !== false) await handle.close();
      }
    },
  };
}
