import type { ChildProcess } from "node:child_process";

const cleanups = new Set<() => void>();
let hooked = false;

/**
 * Registers a synchronous clean-up (kill a child, remove a temp dir) that runs when this process exits, so a
 * test that fails before its `stop()` leaves nothing behind. Returns a function that unregisters it. Only
 * `exit` is hooked, where nothing asynchronous can run; signals stay the host's business (vitest, or the
 * testkit CLI, which turns SIGTERM/SIGINT into a normal exit).
 */
export function onExitCleanup(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const fn of cleanups) {
        try {
          fn();
        } catch {
          // best effort while exiting
        }
      }
    });
  }
  return () => cleanups.delete(cleanup);
}

/** Sends SIGTERM, then SIGKILL after `graceMs`, and resolves once the child has exited. */
export function killChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
