/**
 * One writer at a time per destination. Two pulls into one tarball shared its fixed partial file and the one that
 * renamed it first left a corrupt archive behind with exit 0; two pulls into one OCI layout each rewrote index.json
 * from what they had read and dropped the other's entries. A lock file beside the destination (never inside it, so
 * an OCI layout stays one) holds the writer's pid: the next writer waits until it is gone, and takes over a lock
 * whose process is dead (a SIGKILL leaves one behind). The wait is bounded by the caller's signal.
 *
 * It lives here, below every package that writes a file others may write at the same time: @regatta/layout's pulls
 * and @regatta/auth's credential store (two `regatta login` at once each rewrote the docker config from what they
 * had read, and one login was lost).
 */

import { randomBytes } from "node:crypto";
import { unlinkSync } from "node:fs";
import { link, lstat, open, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { abortedError } from "./abortable.js";
import { hiddenName } from "./hidden-name.js";
import { makeDirectories } from "./make-directories.js";
import { isAlive } from "./process-alive.js";

export { HOST_TAG, isAlive } from "./process-alive.js";

/** A held lock: release it once the destination is written (or given up). Safe to call twice. */
export interface WriteLock {
  release(): Promise<void>;
}

/** Options of {@link lockDestination}. */
export interface WriteLockOptions {
  /** Told once, when another writer holds the destination and this one starts waiting (its pid, the lock file). */
  onWait?: (holder: number, lock: string) => void;
  /** Stops the wait. */
  signal?: AbortSignal;
  /** How often the lock is looked at again while waiting; default 100 ms. */
  pollMs?: number;
  /** Turns a failure to create the lock file (not "it exists") into the caller's error; default: as it is. */
  lockError?: (error: unknown, lockPath: string) => unknown;
}

/** The lock file of `destination`: hidden beside it, a name of at most 255 bytes however long the destination's. */
export function lockPathOf(destination: string): string {
  const full = resolve(destination);
  return join(dirname(full), hiddenName(basename(full), ".regatta-lock"));
}

/** Takes the lock of `destination`, waiting while a live process holds it. */
export async function lockDestination(
  destination: string,
  options: WriteLockOptions = {},
): Promise<WriteLock> {
  const path = lockPathOf(destination);
  await makeDirectories(dirname(path));
  const owner = `${process.pid} ${hostname()}\n`;
  let told = false;
  for (;;) {
    if (options.signal?.aborted) throw abortReason(options.signal, destination);
    try {
      await createLockFile(destination, path, owner);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw options.lockError ? options.lockError(error, path) : error;
    }
    const holder = await holderOf(path);
    // Released between the failed link and the look: the next try may take it. (Taking over "no lock" would remove
    // the lock another waiter made in between.)
    if (holder === "gone") continue;
    if (holder === undefined || (holder.local && !isAlive(holder.pid))) {
      // A lock left by a process that is gone (or half written by one): taken over.
      await unlink(path).catch(() => {});
      continue;
    }
    if (!told) options.onWait?.(holder.pid, path);
    told = true;
    await sleep(options.pollMs ?? 100, undefined, options.signal ? { signal: options.signal } : {}).catch(
      () => {},
    );
  }
  // Released on exit too: a reader that goes away (`| head`) may end the process before release().
  const onExit = () => {
    try {
      unlinkSync(path);
    } catch {}
  };
  process.once("exit", onExit);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      process.off("exit", onExit);
      await unlink(path).catch(() => {});
    },
  };
}

/**
 * Creates the lock file with its owner already in it: written to a file of this process's own, then hard-linked to
 * the lock's name, which fails with EEXIST when another holds it. Created empty and then written, a lock was seen
 * empty by a waiter, taken for one a dead writer half wrote, and removed: two holders (16 logins at once kept 13).
 * A file system without hard links gets the create-then-write way.
 */
async function createLockFile(destination: string, path: string, owner: string): Promise<void> {
  const full = resolve(destination);
  const own = join(
    dirname(full),
    hiddenName(basename(full), `.regatta-lock.${process.pid}.${randomBytes(4).toString("hex")}`),
  );
  await writeFile(own, owner, { mode: 0o600, flag: "wx" });
  try {
    await link(own, path);
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    const handle = await open(path, "wx", 0o600);
    await handle.writeFile(owner);
    await handle.close();
  } finally {
    await unlink(own).catch(() => {});
  }
}

const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/**
 * The process a lock file names, and whether it runs on this host. Another host's process (a shared file system)
 * cannot be asked whether it lives: its lock holds as long as the file is there.
 */
async function holderOf(path: string): Promise<{ pid: number; local: boolean } | "gone" | undefined> {
  // Only a small regular file is a lock this code wrote: a symlink planted there (to a FIFO, which would block the
  // read for ever, or to /dev/zero, which never ends) is not followed, and counts as garbage to take over.
  const found = await lstat(path).catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" ? "gone" : undefined,
  );
  if (found === "gone") return "gone";
  if (!found?.isFile() || found.size > 256) return undefined;
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" ? null : "",
  );
  if (text === null) return "gone";
  const [pid, host] = text.trim().split(" ");
  const number = Number(pid);
  if (!Number.isInteger(number) || number <= 0) return undefined;
  return { pid: number, local: host === undefined || host === hostname() };
}

function abortReason(signal: AbortSignal, destination: string): Error {
  return abortedError(signal, `waiting to write ${destination}`);
}
