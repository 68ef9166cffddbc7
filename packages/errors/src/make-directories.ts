/**
 * `mkdir -p` for every package that writes files (auth's docker config, layout's files and tarballs, the client's
 * artifact directories, the CLI's code cache). It lives in this base package because they all depend on it and on
 * nothing else in common.
 *
 * Not Node's `mkdir(path, { recursive: true })`: where mkdir answers ENOENT although the parent exists (procfs,
 * `/proc/x/y`; `HOME=/proc`), Node's recursive mkdir creates the parent (EEXIST), retries the child (ENOENT) and
 * loops forever, on the thread pool or, for mkdirSync, on the main thread, deaf to signals (Node 20 to 24). Here each
 * missing directory is made once, from the top, so any refusal is an error.
 */
import { mkdirSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** The directories of `path` that do not exist yet, deepest first, found with `exists`. */
function missingDirectories(path: string, exists: (dir: string, path: string) => boolean): string[] {
  const missing: string[] = [];
  for (let dir = resolve(path); !exists(dir, path); dir = dirname(dir)) {
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  return missing;
}

/**
 * Whether `dir` exists. Something else at a parent's place makes the child's mkdir fail (ENOTDIR); at `path` itself
 * it is EEXIST, as Node's recursive mkdir and `mkdir -p` say.
 */
function existsSync(dir: string, path: string): boolean {
  try {
    return isDirectoryAt(statSync(dir).isDirectory(), dir, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

function isDirectoryAt(isDirectory: boolean, dir: string, path: string): true {
  if (!isDirectory && dir === resolve(path))
    throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${dir}'`), {
      code: "EEXIST",
      syscall: "mkdir",
      path: dir,
    });
  return true;
}

/**
 * Makes `path` and any missing parents (with `mode`, as `mkdir -p -m` does for each); returns the first directory
 * it made, or undefined when `path` existed (as Node's recursive mkdir does). Throws mkdir's error when one cannot be
 * made, a racing process making it first is not an error.
 */
export async function makeDirectories(path: string, mode?: number): Promise<string | undefined> {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const found = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    if (found && isDirectoryAt(found.isDirectory(), dir, path)) break;
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of [...missing].reverse()) {
    await mkdir(dir, { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  }
  return missing.at(-1);
}

/** makeDirectories for code that cannot wait (an `exit` handler). */
export function makeDirectoriesSync(path: string, mode?: number): string | undefined {
  const missing = missingDirectories(path, existsSync);
  for (const dir of [...missing].reverse()) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return missing.at(-1);
}
