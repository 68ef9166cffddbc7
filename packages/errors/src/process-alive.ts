/**
 * Whether a process that left something on disk (a lock, a partial file) may still be using it. Only this host's
 * processes can be asked; a file tagged with another host's name (a shared file system) is never taken for dead.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";

/** True while `pid` runs here (EPERM: it runs, as another user). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** This host, short enough for a file name: the first 8 hex digits of its name's sha256. */
export const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
