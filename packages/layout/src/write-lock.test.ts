/** One writer at a time per destination (write-lock.ts); pull-level races: client's pull-concurrent.int.test.ts. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
  it("lets one process at a time in when many contend (none sees a lock half made and takes it over)", async () => {
    // 8 processes × 5 read-modify-writes of one counter file, each under the lock: a lost update shows as a count
    // below 40. A lock created empty, then written, was seen empty by a waiter and removed: 16 logins kept 13.
    const dir = scratch();
    const counter = join(dir, "counter");
    writeFileSync(counter, "0");
    const lockModule = fileURLToPath(new URL("../../errors/dist/write-lock.js", import.meta.url));
    const script = `
      const { lockDestination } = await import(${JSON.stringify(lockModule)});
      const { readFileSync, writeFileSync } = await import("node:fs");
      for (let i = 0; i < 5; i++) {
        const lock = await lockDestination(${JSON.stringify(counter)}, { pollMs: 2 });
        const n = Number(readFileSync(${JSON.stringify(counter)}, "utf8"));
        await new Promise((r) => setTimeout(r, 3));
        writeFileSync(${JSON.stringify(counter)}, String(n + 1));
        await lock.release();
      }`;
    // A watcher reads the lock file as fast as it can while they contend: it must never find it empty.
    const lockFile = lockPathOf(counter);
    const stop = join(dir, "stop");
    const watcher = spawn(process.execPath, [
      "-e",
      `const fs = require("node:fs"); let empty = 0;
       while (!fs.existsSync(${JSON.stringify(stop)})) {
         try { if (fs.readFileSync(${JSON.stringify(lockFile)}, "utf8") === "") empty++; } catch {}
       }
       process.stdout.write(String(empty));`,
    ]);
    let watched = "";
    watcher.stdout.on("data", (chunk: Buffer) => {
      watched += chunk.toString();
    });
    const watcherDone = new Promise((resolve) => watcher.on("exit", resolve));
    const runs = Array.from(
      { length: 8 },
      () =>
        new Promise<number | null>((resolve) =>
          spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" }).on(
            "exit",
            resolve,
          ),
        ),
    );
    const codes = await Promise.all(runs);
    writeFileSync(stop, "");
    await watcherDone;
    expect(codes).toEqual(Array(8).fill(0));
    expect(watched).toBe("0");
    expect(readFileSync(counter, "utf8")).toBe("40");
    expect(existsSync(lockPathOf(counter))).toBe(false);
  });
});
