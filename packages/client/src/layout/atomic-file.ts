import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UsageError } from "@regatta/errors";

/** A temporary name beside `path` (same directory, so the rename is atomic), hidden and unique. */
export function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
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
  await mkdir(dirname(path), { recursive: true });
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
    throw error;
  }
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
