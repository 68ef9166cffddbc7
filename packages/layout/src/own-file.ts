/**
 * Files a pull makes under names anyone can predict: the partial tarball and its state beside a tarball
 * (`.NAME.regatta-partial`, `.NAME.regatta-partial.json`) and the partial blobs of a layout
 * (`DEST/.regatta-partial/sha256-<hex>.partial`). Whoever may write the destination directory may plant something
 * at such a name before the pull: a symbolic link to `~/.bashrc` would have had the pull truncate and overwrite it,
 * and a tarball output renamed from a planted link was that link. So such a file is opened with O_NOFOLLOW and
 * checked once open: a regular file, owned by this user, with no other name (hard links), on the directory's device,
 * and (on Linux, through /proc/self/fd) at the very place asked for, so a directory on the way swapped for a link
 * is caught too. Anything else at the name is not followed: the name itself is removed and the file made afresh
 * (O_CREAT|O_EXCL, so what is opened is what this process created), or, where that cannot be done, a
 * FileSystemError says what is in the way. The final rename moves only the file this process wrote.
 * https://man7.org/linux/man-pages/man2/open.2.html (O_NOFOLLOW, O_EXCL)
 */
import { constants, type Stats } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readlink,
  realpath,
  rename,
  rmdir,
  unlink,
} from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileSystemError, quotePath } from "@regatta/errors";
import { foreignFile } from "@regatta/errors/foreign-file";
import { fileSystemError } from "./atomic-file.js";

const NOFOLLOW = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const RESUME_FLAGS = constants.O_RDWR | NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | NOFOLLOW;
const CREATE_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

function notOurs(path: string, why: string, hint: string): FileSystemError {
  return new FileSystemError(`refusing to use ${quotePath(path)}: ${why}`, { code: "NOT_OURS", path, hint });
}

/** Where `path` is for the kernel: its directory's realpath and its name, worked out before it is opened. */
async function placeOf(path: string): Promise<string> {
  return join(await realpath(dirname(path)), basename(path));
}

/**
 * Why the open `handle` (of `path`, expected at `place`) is not a file of ours to write, or undefined when it is.
 * `located` is false when the file is not where it was asked for: then its name must not be touched either.
 */
async function distrust(
  handle: FileHandle,
  path: string,
  place: string,
): Promise<{ why: string; located: boolean } | undefined> {
  const found = await handle.stat();
  // Linux names the file an open descriptor holds; elsewhere (no /proc) the device check below stands alone.
  const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (opened !== undefined && opened !== place) {
    return { why: `it is reached through a link (it is ${quotePath(opened)})`, located: false };
  }
  const what = await foreignFile(found, path, { oneName: true });
  if (what) return { why: `it is ${what}`, located: true };
  const directory = await lstat(dirname(path));
  if (found.dev !== directory.dev)
    return { why: "it is on another device than its directory", located: false };
  return undefined;
}

/**
 * Removes whatever is at `path` — the name itself, never what a link there points to; an empty directory too.
 * With `seen`, only when it is still that very thing: two writers of one pull that both found a link at a shared
 * name must not have the second remove what the first put there instead (the `.regatta-partial` directory its
 * blob is being written in: a flaky "cannot be removed" or ENOENT on CI).
 * @throws FileSystemError (code `NOT_OURS`) when it cannot be removed.
 */
async function discard(path: string, seen?: Stats): Promise<void> {
  const found = await lstat(path).catch(() => undefined);
  if (!found) return;
  // The same inode, of the same kind, not changed since: a link removed a moment ago frees its inode number, and the
  // directory made in its place may well get it.
  if (
    seen &&
    (found.ino !== seen.ino ||
      found.dev !== seen.dev ||
      found.mode !== seen.mode ||
      found.ctimeMs !== seen.ctimeMs)
  )
    return;
  try {
    if (found.isDirectory()) await rmdir(path);
    else await unlink(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    // Replaced since it was seen (the other writer's directory where the link was): the caller looks again.
    if (seen && (code === "EISDIR" || code === "ENOTEMPTY" || code === "ENOTDIR")) return;
    throw notOurs(
      path,
      `something Regatta did not make is there and cannot be removed (${(error as NodeJS.ErrnoException).code})`,
      "remove it, or write somewhere only you can write",
    );
  }
}

/**
 * Opens the file a previous run left at `path` (read and write, or read only), if it is one of ours
 * (see the file's comment); anything else at the name is removed and undefined returned, as for no file.
 * @throws FileSystemError (code `NOT_OURS`) when the file is not where it was asked for (a directory on the way
 *   became a link), or what is there cannot be removed.
 */
export async function reopenOwnFile(
  path: string,
  access: "read" | "write" = "write",
): Promise<FileHandle | undefined> {
  const place = await placeOf(path).catch(() => path);
  let handle: FileHandle;
  try {
    handle = await open(path, access === "write" ? RESUME_FLAGS : READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    // ELOOP: a link at the name; EISDIR, ENXIO (a socket), EACCES (another's file): not ours either.
    if (code === "ELOOP" || code === "EISDIR" || code === "ENXIO" || code === "EACCES" || code === "EPERM") {
      await discard(path);
      return undefined;
    }
    throw fileSystemError(error, path, "opening");
  }
  const problem = await distrust(handle, path, place).catch((error: unknown) => ({
    why: String((error as Error).message),
    located: false,
  }));
  if (!problem) return handle;
  await handle.close();
  if (!problem.located) throw notOurs(path, problem.why, "write somewhere only you can write");
  await discard(path);
  return undefined;
}

/**
 * Creates `path` afresh, removing (the name of) whatever is there first: O_CREAT|O_EXCL|O_NOFOLLOW, so the file
 * opened is the one this call created, never one planted there or a link's target.
 * @throws FileSystemError (code `NOT_OURS`) when something keeps coming back at the name or the file is not where
 *   it was asked for.
 */
export async function createOwnFile(path: string, mode = 0o666): Promise<FileHandle> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await discard(path);
    const place = await placeOf(path).catch(() => path);
    let handle: FileHandle;
    try {
      handle = await open(path, CREATE_FLAGS, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw fileSystemError(error, path);
    }
    const problem = await distrust(handle, path, place);
    if (!problem) return handle;
    await handle.close();
    throw notOurs(path, problem.why, "write somewhere only you can write");
  }
  throw notOurs(
    path,
    "another process keeps putting files at this name",
    "write somewhere only you can write",
  );
}

/**
 * Makes sure `path` is a real directory of ours: a link, a file or another's empty directory at the name is
 * removed (the name, not what a link points to) and the directory made.
 * @throws FileSystemError (code `NOT_OURS`) when another's directory with files in it is there.
 */
export async function ownDirectory(path: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await lstat(path).catch(() => undefined);
    const uid = process.getuid?.();
    if (found?.isDirectory() && (uid === undefined || found.uid === uid)) return;
    if (found) await discard(path, found);
    try {
      await mkdir(path);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fileSystemError(error, path);
    }
  }
  throw notOurs(
    path,
    "another process keeps putting things at this name",
    "write somewhere only you can write",
  );
}

/** The identity of an open file, to recognise it later under its name. */
export async function identity(handle: FileHandle): Promise<Stats> {
  return handle.stat();
}

/**
 * Renames `from` to `to` only if `from` still is the file `mine` (from {@link identity}): never a link or another
 * file swapped in at the name. Checked again after the rename, where a swap in between would have put another
 * file at `to`: that name is removed again and the rename refused.
 * @throws FileSystemError (code `NOT_OURS`).
 */
export async function renameOwnFile(mine: Stats, from: string, to: string): Promise<void> {
  const same = (s: Stats | undefined) =>
    s !== undefined && s.dev === mine.dev && s.ino === mine.ino && s.isFile();
  if (!same(await lstat(from).catch(() => undefined))) {
    throw notOurs(from, "it is no longer the file this pull wrote", "write somewhere only you can write");
  }
  try {
    await rename(from, to);
  } catch (error) {
    throw fileSystemError(error, to);
  }
  if (!same(await lstat(to).catch(() => undefined))) {
    await unlink(to).catch(() => {});
    throw notOurs(from, "it was replaced while it was renamed", "write somewhere only you can write");
  }
}

/** The bytes of `length` from `start` of an open file, in chunks of at most 1 MiB, read by position. */
export async function* readRegion(
  handle: FileHandle,
  start: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  let at = start;
  const end = start + length;
  while (at < end) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, end - at));
    const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, at);
    if (bytesRead === 0) return;
    yield chunk.subarray(0, bytesRead);
    at += bytesRead;
  }
}
