import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AbortError, FileSystemError, RegattaError, UsageError } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";

/** A temporary name beside `path` (same directory, so the rename is atomic), hidden and unique. */
export function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/** What the system's file errors mean for a person, and what they can do about it. */
const FILE_ERRORS: Record<string, { code: string; says: string; hint?: string }> = {
  ENOSPC: { code: "NO_SPACE", says: "no space left on device", hint: "free some space or write elsewhere" },
  EDQUOT: { code: "NO_SPACE", says: "disk quota exceeded", hint: "free some space or write elsewhere" },
  EFBIG: { code: "NO_SPACE", says: "file too large for this file system" },
  EROFS: { code: "READ_ONLY", says: "read-only file system", hint: "write elsewhere" },
  EACCES: { code: "PERMISSION", says: "permission denied" },
  EPERM: { code: "PERMISSION", says: "operation not permitted" },
  ENOENT: { code: "NOT_FOUND", says: "no such file or directory" },
  EISDIR: { code: "IS_DIRECTORY", says: "is a directory" },
  EIO: { code: "IO", says: "input/output error (a failing disk?)" },
};

/**
 * A failure of the local file system as a {@link FileSystemError} that names the path (`no space left on device:
 * writing /x/.a.tar.regatta-partial`); typed errors pass through unchanged. Node's own messages name neither the
 * file nor, for a short `writev`, the cause (issue 10: `short write: 717824 of 1048576 bytes`).
 */
export function fileSystemError(error: unknown, path: string, action = "writing"): unknown {
  if (error instanceof RegattaError) return error;
  const syscallCode = (error as NodeJS.ErrnoException)?.code;
  if (typeof syscallCode !== "string" || !/^E[A-Z]+$/.test(syscallCode)) return error;
  const known = FILE_ERRORS[syscallCode];
  const says = known?.says ?? (error as Error).message;
  return new FileSystemError(`${says}: ${action} ${path}`, {
    code: known?.code ?? "IO",
    path,
    syscallCode,
    ...(known?.hint ? { hint: known.hint } : {}),
    cause: error,
  });
}

/** Whether `error` says the disk (or the quota) is full. */
export function isDiskFull(error: unknown): boolean {
  return error instanceof FileSystemError && error.code === "NO_SPACE";
}

/**
 * Writes a stream to `path` atomically: into a hidden `.NAME.<random>.partial` beside it, renamed into place once
 * the stream ended without error (a verified blob stream errors on a wrong digest before it ends). On any failure
 * and on `signal` the partial file is removed and `path` is left untouched; file errors name the path.
 */
export async function writeStreamAtomic(
  path: string,
  source: Readable,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.partial`);
  let size = 0;
  const counter = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      source,
      counter,
      createWriteStream(temp, { flags: "wx" }),
      options.signal ? { signal: options.signal } : {},
    );
    await rename(temp, path);
    return size;
  } catch (error) {
    source.destroy();
    await rm(temp, { force: true });
    const reason = options.signal?.reason;
    if (options.signal?.aborted)
      throw reason instanceof Error ? reason : new AbortError(`writing ${path} aborted`);
    throw fileSystemError(error, path);
  }
}

/**
 * Writes `bytes` to `path` atomically: into a temporary file beside it, optionally flushed to the disk, then renamed
 * over `path`. A reader sees the old content or the new, never a mix; a crash leaves at most a `.tmp` file.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: { sync?: boolean } = {},
): Promise<void> {
  await makeDirectories(dirname(path));
  const temp = tempPath(path);
  try {
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(bytes);
      if (options.sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw fileSystemError(error, path);
  }
}

/**
 * Removes the temporary directory `path` when the process exits, if nothing removed it before: a reader that goes
 * away (`| head`) or a signal's grace running out ends the process without the async clean-up. Returns the function
 * that cancels it, for the normal path (which removes the directory itself).
 */
export function removeOnExit(path: string): () => void {
  const remove = () => rmSync(path, { recursive: true, force: true });
  process.once("exit", remove);
  return () => process.off("exit", remove);
}

/** The size of the regular file at `path`, or undefined when there is none. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Whether `path` is a regular file (of `size` bytes, when given). */
export async function hasFile(path: string, size?: number): Promise<boolean> {
  const actual = await fileSize(path);
  return actual !== undefined && (size === undefined || actual === size);
}

/**
 * The names in the directory a pull writes into, or undefined when it does not exist yet.
 * @throws UsageError when `root` is a file.
 */
export async function destinationEntries(root: string): Promise<string[] | undefined> {
  try {
    return await readdir(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new UsageError(`${root} is a file, not a directory`);
    throw error;
  }
}
