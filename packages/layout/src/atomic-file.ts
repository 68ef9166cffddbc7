import { randomBytes } from "node:crypto";
import { constants, createWriteStream, rmSync, type Stats } from "node:fs";
import {
  type FileHandle,
  lstat,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { abortedError, FileSystemError, quotePath, RegattaError, UsageError } from "@regatta/errors";
import { hiddenName } from "@regatta/errors/hidden-name";
import { makeDirectories } from "@regatta/errors/make-directories";
import { HOST_TAG, isAlive } from "@regatta/errors/write-lock";

/** A temporary name beside `path` (same directory, so the rename is atomic), hidden and unique; at most 255 bytes. */
export function tempPath(path: string): string {
  return join(dirname(path), hiddenName(basename(path), `.${randomBytes(6).toString("hex")}.tmp`));
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
  // A file where the path needs a directory: a parent of the path (ENOTDIR), or the directory to make (mkdir -p's
  // EEXIST, the only EEXIST the writers meet: their temporary names are unique).
  ENOTDIR: { code: "NOT_A_DIRECTORY", says: "not a directory (a file is in the way)" },
  EEXIST: { code: "NOT_A_DIRECTORY", says: "not a directory (a file is in the way)" },
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
  return new FileSystemError(`${says}: ${action} ${quotePath(path)}`, {
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
 * Where an atomic write of `path` goes, as curl, crane and `docker save -o` write through a path rather than over it:
 * a missing path or a regular file is replaced atomically (through a symbolic link, the file it names, the link
 * kept); anything else that is there — a device such as /dev/null, a FIFO, /dev/stdout's link to a pipe — is opened
 * and written through (`atomic: false`), never replaced by a regular file (as root, a rename over /dev/null would
 * have turned it into a plain file for the whole machine).
 */
export async function writeTarget(path: string): Promise<{ path: string; atomic: boolean; fifo?: boolean }> {
  let found: Stats;
  try {
    found = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw fileSystemError(error, path);
    // Missing, or a link (a chain of links) whose end is missing: the file the last link names is created, the
    // links kept. Bounded as the kernel bounds it (40 hops, ELOOP).
    let end = path;
    for (let hops = 0; hops < 40; hops++) {
      const link = await readlink(end).catch(() => undefined);
      if (link === undefined) return { path: end, atomic: true };
      end = resolve(dirname(end), link);
    }
    throw fileSystemError(
      Object.assign(new Error("too many levels of symbolic links"), { code: "ELOOP" }),
      path,
    );
  }
  if (found.isDirectory())
    throw fileSystemError(Object.assign(new Error("is a directory"), { code: "EISDIR" }), path);
  if (!found.isFile()) return { path, atomic: false, fifo: found.isFIFO() };
  return { path: await realpath(path).catch(() => path), atomic: true };
}

/**
 * Waits until a FIFO has a reader, so that opening it to write does not block: a plain open() of a FIFO nobody
 * reads waits in libuv's thread pool, where neither Ctrl-C nor SIGTERM can end it. A non-blocking open fails with
 * ENXIO while no reader is there; it is asked again every 100 ms until one is, or `signal` aborts. The handle it
 * succeeds with is returned, to be closed only once the real writer is done: closing it earlier could leave the
 * reader a moment with no writer, which it reads as the end. A wait longer than {@link READER_WAIT_NOTICE_MS} is
 * told to `onWait`, once, so that a pull into a FIFO nobody reads does not look hung.
 */
export async function waitForReader(
  path: string,
  signal?: AbortSignal,
  onWait?: () => void,
): Promise<FileHandle> {
  const start = Date.now();
  let told = false;
  for (;;) {
    if (signal?.aborted) throw abortedError(signal, `waiting for a reader of ${quotePath(path)}`);
    try {
      return await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENXIO") throw fileSystemError(error, path);
    }
    if (!told && onWait && Date.now() - start >= READER_WAIT_NOTICE_MS) {
      told = true;
      onWait();
    }
    await sleep(100, undefined, signal ? { signal } : {}).catch(() => {});
  }
}

/** How long a write waits for a FIFO's reader before it says so (the lock's wait is said after the same second). */
export const READER_WAIT_NOTICE_MS = 1000;

/** The partial file of one stream written to `path`: hidden beside it, naming its writer (pid and host). */
function partialPathOf(path: string): string {
  return join(
    dirname(path),
    hiddenName(basename(path), `.${process.pid}-${HOST_TAG}-${randomBytes(6).toString("hex")}.partial`),
  );
}

/**
 * Removes the partial files of `path` that a writer killed before it could clean up (`kill -9` of `blob -o`) left
 * beside it: only those of this host whose process is gone. A live writer's, another host's, and any name this code
 * did not make are left alone.
 */
async function removeDeadPartials(path: string): Promise<void> {
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const writer = /\.(\d+)-([0-9a-f]{8})-[0-9a-f]{12}\.partial$/.exec(name);
    // Exactly the name partialPathOf gives `path` with this suffix (shortened as it shortens a long name).
    if (!writer || name !== hiddenName(basename(path), writer[0])) continue;
    if (writer[2] === HOST_TAG && !isAlive(Number(writer[1]))) {
      await rm(join(dirname(path), name), { force: true });
    }
  }
}

/**
 * Writes a stream to `path` atomically: into a hidden `.NAME.<pid>-<host>-<random>.partial` beside it (a dead
 * writer's are removed first), renamed into place once
 * the stream ended without error (a verified blob stream errors on a wrong digest before it ends). On any failure
 * and on `signal` the partial file is removed and `path` is left untouched; file errors name the path. A device or
 * FIFO at `path` is written through instead ({@link writeTarget}).
 */
export async function writeStreamAtomic(
  given: string,
  source: Readable,
  options: {
    signal?: AbortSignal;
    /** Called once when `path` is a FIFO that has had no reader for a second ({@link waitForReader}). */
    onReaderWait?: () => void;
  } = {},
): Promise<number> {
  // The source may already be flowing (a response body): an error it meets while the target is looked at is held
  // here, not thrown as unhandled, and the pipeline below reports it from the stream's errored state.
  const holdError = () => {};
  source.on("error", holdError);
  let target: Awaited<ReturnType<typeof writeTarget>>;
  let reader: FileHandle | undefined;
  try {
    target = await writeTarget(given);
    if (target.fifo) reader = await waitForReader(target.path, options.signal, options.onReaderWait);
  } catch (error) {
    source.destroy();
    throw error;
  } finally {
    source.off("error", holdError);
  }
  const path = target.path;
  if (target.atomic) await removeDeadPartials(path);
  const temp = target.atomic ? partialPathOf(path) : undefined;
  let size = 0;
  const counter = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  const writer = createWriteStream(temp ?? path, { flags: temp ? "wx" : "w" });
  // The signal ends the source rather than the pipeline: a source bound to the same signal (a response body) fails
  // with its own typed error, which names the request, a moment after the abort, and the first error wins. Given
  // the signal, pipeline() would destroy every stream at once with Node's bare AbortError and the caller would get
  // the signal's raw reason (QA library6 F1). A source deaf to the signal is ended here, after the bound one's turn.
  const signal = options.signal;
  const onAbort = () =>
    setImmediate(() => source.destroy(abortedError(signal as AbortSignal, `writing ${quotePath(given)}`)));
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    await pipeline(source, counter, writer);
    if (temp) await rename(temp, path);
    await reader?.close();
    return size;
  } catch (error) {
    await reader?.close().catch(() => {});
    source.destroy();
    // A source that failed at once fails the pipeline before the file is even open: removed only once it is closed,
    // or its opening would create it again after the removal.
    if (!writer.closed) {
      const closed = new Promise<void>((resolve) => writer.once("close", () => resolve()));
      writer.destroy();
      await closed;
    }
    if (temp) await rm(temp, { force: true });
    if (error instanceof RegattaError) throw error;
    if (signal?.aborted) throw abortedError(signal, `writing ${quotePath(given)}`);
    throw fileSystemError(error, given);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Writes `bytes` to `path` atomically: into a temporary file beside it, optionally flushed to the disk, then renamed
 * over `path`. A reader sees the old content or the new, never a mix; a crash leaves at most a `.tmp` file. A device
 * or FIFO at `path` is written through instead ({@link writeTarget}).
 */
export async function writeFileAtomic(
  given: string,
  bytes: Uint8Array,
  options: {
    sync?: boolean;
    /** The new file's permissions (before the umask), e.g. 0o600 for a file that may hold what only its owner should
     * read; a device or FIFO written through keeps its own. Default 0o666, as `writeFile`. */
    mode?: number;
    /** Called once when `path` is a FIFO that has had no reader for a second ({@link waitForReader}). */
    onReaderWait?: () => void;
  } = {},
): Promise<void> {
  await makeDirectories(dirname(given));
  const { path, atomic, fifo } = await writeTarget(given);
  if (!atomic) {
    const reader = fifo ? await waitForReader(path, undefined, options.onReaderWait) : undefined;
    try {
      await writeFile(path, bytes);
    } catch (error) {
      throw fileSystemError(error, given);
    } finally {
      await reader?.close().catch(() => {});
    }
    return;
  }
  await replaceFileAtomic(path, bytes, options, given);
}

/**
 * Writes `bytes` to `path` atomically without looking at what is there: into a temporary file created beside it
 * (O_EXCL, so never a planted file or a link's target), then renamed over the name, which replaces a link or a
 * file there rather than writing through it. For the files a pull keeps inside its destination (index.json, a
 * layout's manifests, a partial tarball's state), where a link someone planted must not lead the write elsewhere.
 */
export async function replaceFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: { sync?: boolean; mode?: number } = {},
  named = path,
): Promise<void> {
  const temp = tempPath(path);
  try {
    await makeDirectories(dirname(path));
    const handle = await open(temp, "wx", options.mode ?? 0o666);
    try {
      await handle.writeFile(bytes);
      if (options.sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw fileSystemError(error, named);
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

/** Whether `path` itself is a regular file of `size` bytes: a link there, even to such a file, is not. */
export async function hasRegularFile(path: string, size: number): Promise<boolean> {
  const found = await lstat(path).catch(() => undefined);
  return found?.isFile() === true && found.size === size;
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
    if (code === "ENOTDIR") throw new UsageError(`${quotePath(root)} is a file, not a directory`);
    throw error;
  }
}
