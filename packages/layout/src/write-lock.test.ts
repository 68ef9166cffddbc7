/** One writer at a time per destination (write-lock.ts); pull-level races: client's pull-concurrent.int.test.ts. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "./test-helpers.js";
import { lockDestination, lockPathOf } from "./write-lock.js";

const scratch = scratchDirs("regatta-lock-");

describe("lockDestination", () => {
  it("lives beside the destination, holds this pid, and is gone once released", async () => {
    const target = join(scratch(), "layout");
    const lock = await lockDestination(target);
    expect(lockPathOf(target)).toBe(join(target, "..", ".layout.regatta-lock"));
    expect(readFileSync(lockPathOf(target), "utf8")).toMatch(new RegExp(`^${process.pid} `));
    expect(existsSync(target)).toBe(false);
    await lock.release();
    await lock.release();
    expect(existsSync(lockPathOf(target))).toBe(false);
  });

  it("makes a second writer wait until the first releases, and says whom it waits for", async () => {
    const target = join(scratch(), "x.tar");
    const first = await lockDestination(target);
    const waitedFor: number[] = [];
    let second = false;
    const taking = lockDestination(target, { pollMs: 10, onWait: (pid) => waitedFor.push(pid) }).then(
      (lock) => {
        second = true;
        return lock;
      },
    );
    await new Promise((r) => setTimeout(r, 80));
    expect([second, waitedFor]).toEqual([false, [process.pid]]);
    await first.release();
    await (await taking).release();
    expect(second).toBe(true);
  });

  it("takes over a planted symlink at the lock path without following it (a FIFO would block, /dev/zero never end)", async () => {
    const { symlinkSync, lstatSync } = await import("node:fs");
    const dir = scratch();
    const target = join(dir, "x.tar");
    const fifo = join(dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    symlinkSync(fifo, lockPathOf(target));
    const lock = await lockDestination(target, { pollMs: 10 });
    expect(lstatSync(lockPathOf(target)).isFile()).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    await lock.release();
  });

  it("takes over a lock whose process is gone (a SIGKILL leaves one), and stops waiting on abort", async () => {
    const target = join(scratch(), "x.tar");
    const dead = spawnSync(process.execPath, [
      "-e",
      "process.stdout.write(String(process.pid))",
    ]).stdout.toString();
    writeFileSync(lockPathOf(target), `${dead} ${(await import("node:os")).hostname()}\n`);
    const lock = await lockDestination(target, { pollMs: 10 });
    expect(readFileSync(lockPathOf(target), "utf8")).toMatch(new RegExp(`^${process.pid} `));
    const controller = new AbortController();
    const waiting = lockDestination(target, { pollMs: 10, signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    // The typed AbortError (code ABORTED), the caller's reason as its cause, never the reason itself.
    await expect(waiting).rejects.toMatchObject({ code: "ABORTED", cause: reason });
    await lock.release();
  });
});
