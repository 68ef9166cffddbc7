import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { FileSystemError, quotePath, UsageError } from "@regatta/errors";
import { notRegularFile } from "@regatta/errors/foreign-file";
import { whyUnreadable } from "@regatta/errors/user-file";

/** O_NONBLOCK: the open of a FIFO returns at once instead of waiting for a writer (a regular file ignores it). */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * A file given by a user (a blob to push), opened once: the handle and its `fstat`, or a UsageError that names the
 * file and says what is there ("it is a FIFO", "no such file"). Size, kind and content all come from the one handle,
 * so a name given to another file after the check is not what gets read (no time-of-check/time-of-use gap). The
 * caller closes the handle. `noFollow` refuses a symbolic link at the name (a walk that saw a file there).
 */
export async function openRegularFile(
  path: string,
  options: { noFollow?: boolean } = {},
): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle: FileHandle;
  try {
    // noFollow: a name that is (or became) a symbolic link is refused (ELOOP), not followed to whatever it names.
    handle = await open(path, READ_FLAGS | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0));
  } catch (error) {
    throw new UsageError(`cannot read ${quotePath(path)}: ${whyUnreadable(error)}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    const kind = notRegularFile(stats);
    if (kind) throw new UsageError(`cannot read ${quotePath(path)}: it is ${kind}`);
    return { handle, stats };
  } catch (error) {
    await handle.close().catch(() => {});
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${quotePath(path)}: ${whyUnreadable(error)}`, { cause: error });
  }
}

/**
 * A regular file's `stat`, or a UsageError that names the file: what a file given by a user must be before it is
 * read. One home for the check and its wording ({@link openRegularFile}), for the client and the CLI.
 */
export async function statRegularFile(path: string): Promise<Stats> {
  const { handle, stats } = await openRegularFile(path);
  await handle.close();
  return stats;
}

/** How much one positional read takes: large enough that a gigabyte is a thousand reads, small enough to stay flat. */
const RANGE_READ_BYTES = 1 << 20;

/**
 * Bytes [start, start + length) of an open file as a stream that reads through the handle at explicit positions and
 * never closes it: the handle stays the caller's, so a second stream of the same range (an upload tried again, the
 * next layer of an archive) reads it again. A FileHandle's own `createReadStream` closes the handle when the stream
 * is destroyed, as an upload that fails or is stopped destroys it, whatever `autoClose` says; the next read then
 * failed with Node's "The value of "fd" is out of range". A file that got shorter since it was opened is a
 * FileSystemError naming it, not a short stream (bytes appended meanwhile are not read).
 */
export function readFileRange(
  handle: FileHandle,
  path: string,
  start: number,
  length: number,
  options: { signal?: AbortSignal } = {},
): Readable {
  const end = start + length;
  async function* ranges() {
    let position = start;
    while (position < end) {
      options.signal?.throwIfAborted();
      const want = Math.min(RANGE_READ_BYTES, end - position);
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, position);
      if (bytesRead === 0) {
        throw new FileSystemError(
          `${quotePath(path)} got shorter while it was read: it ends at ${position} bytes, ${end} expected; was it changed during the run?`,
          { path },
        );
      }
      position += bytesRead;
      yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
    }
  }
  return Readable.from(ranges(), { objectMode: false });
}
