/**
 * One writer at a time per destination. Two pulls into one tarball shared its fixed partial file and the one that
 * renamed it first left a corrupt archive behind with exit 0; two pulls into one OCI layout each rewrote index.json
 * from what they had read and dropped the other's entries. A lock file beside the destination (never inside it, so
 * an OCI layout stays one) holds the writer's pid: the next writer waits until it is gone, and takes over a lock
 * whose process is dead (a SIGKILL leaves one behind). The wait is bounded by the caller's signal.
 */
import { unlinkSync } from "node:fs";
import { lstat, open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { abortedError } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";
import { fileSystemError } from "./atomic-file.js";
import { isAlive } from "./process-alive.js";

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
}

/** The lock file of `destination`: hidden beside it. */
export function lockPathOf(destination: string): string {
  const full = resolve(destination);
  return join(dirname(full), `.${basename(full)}.regatta-lock`);
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
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(owner);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fileSystemError(error, path, "locking");
    }
    const holder = await holderOf(path);
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
 * The process a lock file names, and whether it runs on this host. Another host's process (a shared file system)
 * cannot be asked whether it lives: its lock holds as long as the file is there.
 */
async function holderOf(path: string): Promise<{ pid: number; local: boolean } | undefined> {
  // Only a small regular file is a lock this code wrote: a symlink planted there (to a FIFO, which would block the
  // read for ever, or to /dev/zero, which never ends) is not followed, and counts as garbage to take over.
  const found = await lstat(path).catch(() => undefined);
  if (!found?.isFile() || found.size > 256) return undefined;
  const text = await readFile(path, "utf8").catch(() => "");
  const [pid, host] = text.trim().split(" ");
  const number = Number(pid);
  if (!Number.isInteger(number) || number <= 0) return undefined;
  return { pid: number, local: host === undefined || host === hostname() };
}

function abortReason(signal: AbortSignal, destination: string): Error {
  return abortedError(signal, `waiting to write ${destination}`);
}
