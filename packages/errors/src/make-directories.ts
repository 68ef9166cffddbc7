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

/** What mkdir -p says when `path` itself is a file (as Node's recursive mkdir does): EEXIST. */
function fileInTheWay(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EEXIST: file already exists, mkdir '${path}'`), {
    code: "EEXIST",
    syscall: "mkdir",
    path,
  });
}

const ignoreEnoent = (error: NodeJS.ErrnoException) => {
  if (error.code !== "ENOENT") throw error;
  return undefined;
};
const ignoreEexist = (error: NodeJS.ErrnoException) => {
  if (error.code !== "EEXIST") throw error;
};

/**
 * Makes `path` and any missing parents (with `mode`, as `mkdir -p -m` does for each); returns the first directory
 * it made, or undefined when `path` existed (as Node's recursive mkdir does). Throws mkdir's error when one cannot be
 * made (a file at a parent's place: ENOTDIR; at `path`: EEXIST); a racing process making one first is not an error.
 */
export async function makeDirectories(path: string, mode?: number): Promise<string | undefined> {
  const target = resolve(path);
  // The directories that do not exist yet, deepest first.
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    const found = await stat(dir).catch(ignoreEnoent);
    if (found) {
      if (dir === target && !found.isDirectory()) throw fileInTheWay(target);
      break;
    }
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.toReversed()) await mkdir(dir, { mode }).catch(ignoreEexist);
  return missing.at(-1);
}

/** makeDirectories for code that cannot wait (an `exit` handler). */
export function makeDirectoriesSync(path: string, mode?: number): string | undefined {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    let found: ReturnType<typeof statSync> | undefined;
    try {
      found = statSync(dir);
    } catch (error) {
      ignoreEnoent(error as NodeJS.ErrnoException);
    }
    if (found) {
      if (dir === target && !found.isDirectory()) throw fileInTheWay(target);
      break;
    }
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.toReversed()) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      ignoreEexist(error as NodeJS.ErrnoException);
    }
  }
  return missing.at(-1);
}
