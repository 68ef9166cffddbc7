/** One writer at a time per destination (write-lock.ts); pull-level races: client's pull-concurrent.int.test.ts. */
import { fork, spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileSystemError } from "@regatta/errors";
import { claimPathOf } from "@regatta/errors/write-lock";
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

  it("refuses whatever else is at the lock's name, saying what it is, without following, waiting on or removing it", async () => {
    // The name is predictable: another local user may plant a FIFO there (a read of it waited for ever), a link (it
    // was read, its target's text taken for a holder) or a file of their own.
    const { chownSync, lstatSync, mkdirSync, symlinkSync } = await import("node:fs");
    const { createServer } = await import("node:net");
    const dir = scratch();
    const target = join(dir, "x.tar");
    const lock = lockPathOf(target);
    const fifo = join(dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    const alive = join(dir, "alive");
    writeFileSync(alive, "1 localhost\n"); // pid 1 always runs: a pull waited on this link until killed
    const socket = createServer();
    const plants: [string, () => void | Promise<void>][] = [
      ["a FIFO", () => void spawnSync("mkfifo", [lock])],
      [`a symbolic link to ${fifo}`, () => symlinkSync(fifo, lock)],
      [`a symbolic link to ${alive}`, () => symlinkSync(alive, lock)],
      ["a directory", () => mkdirSync(lock)],
      ["a socket", () => new Promise<void>((resolve) => socket.listen(lock, resolve))],
      ["a file of 4096 bytes", () => writeFileSync(lock, `1 ${"x".repeat(4093)}\n`)],
    ];
    if (process.getuid?.() === 0) {
      plants.push([
        "a file of uid 12345, not yours",
        () => {
          writeFileSync(lock, "1\n");
          chownSync(lock, 12345, 12345);
        },
      ]);
    }
    for (const [what, plant] of plants) {
      await plant();
      const before = lstatSync(lock);
      const error = await lockDestination(target, { pollMs: 10, signal: AbortSignal.timeout(20_000) }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FileSystemError);
      expect(error).toMatchObject({
        code: "NOT_OURS",
        path: lock,
        message: `${lock} is not a regatta lock (${what}); remove it and try again`,
      });
      const after = lstatSync(lock);
      expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
      if (what === "a socket") await new Promise((resolve) => socket.close(resolve));
      else rmSync(lock, { recursive: true, force: true });
    }
    expect([lstatSync(fifo).isFIFO(), readFileSync(alive, "utf8")]).toEqual([true, "1 localhost\n"]);
    expect(existsSync(lock)).toBe(false);
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

  it("lets one of several waiters take over a dead holder's lock (the others never remove the new one)", async () => {
    // 6 processes, told to go at once, find one lock a SIGKILLed process left; each, once it holds the lock, writes
    // "+pid" then "-pid" to a shared log with a pause between: two holders at once show as two "+" in a row. Seen
    // at the same moment, the dead lock was removed by each waiter, a later one removing the first's new lock.
    const dir = scratch();
    const target = join(dir, "x.tar");
    const log = join(dir, "log");
    const lockModule = fileURLToPath(new URL("../../errors/dist/write-lock.js", import.meta.url));
    const script = `
      const { lockDestination } = await import(${JSON.stringify(lockModule)});
      const { appendFileSync } = await import("node:fs");
      process.on("message", async (message) => {
        if (message === "end") return process.disconnect();
        const lock = await lockDestination(${JSON.stringify(target)}, { pollMs: 2 });
        appendFileSync(${JSON.stringify(log)}, "+" + process.pid + "\\n");
        await new Promise((r) => setTimeout(r, 10));
        appendFileSync(${JSON.stringify(log)}, "-" + process.pid + "\\n");
        await lock.release();
        process.send("done");
      });
      process.send("ready");`;
    const children = Array.from({ length: 6 }, () =>
      fork("-", [], {
        execArgv: ["--input-type=module", "-e", script],
        stdio: ["pipe", "inherit", "inherit", "ipc"],
      }),
    );
    const exits = children.map((child) => new Promise<number | null>((r) => child.on("exit", r)));
    const all = () => Promise.all(children.map((child) => new Promise((r) => child.once("message", r))));
    try {
      await all();
      for (let round = 0; round < 8; round++) {
        writeFileSync(log, "");
        writeFileSync(lockPathOf(target), `${deadPid()} ${hostname()}\n`);
        const done = all();
        for (const child of children) child.send("go");
        await done;
        const lines = readFileSync(log, "utf8").trim().split("\n");
        expect(lines).toHaveLength(12);
        for (let i = 0; i < lines.length; i += 2)
          expect(lines[i + 1], `round ${round}: ${lines.join(" ")}`).toBe(`-${lines[i]?.slice(1)}`);
        expect(readdirSync(dir).filter((name) => name.includes("regatta-lock"))).toEqual([]);
      }
    } finally {
      for (const child of children) if (child.connected) child.send("end");
    }
    expect(await Promise.all(exits)).toEqual(Array(6).fill(0));
  }, 120_000);

  it("says whom it waits for while another waiter takes over a dead holder's lock, and stops on abort", async () => {
    // The holder is dead and a live process holds the claim on its lock (another waiter taking it over, or one that
    // stalled): that wait was silent. Said as a holder's is, naming the claim file; bounded by the signal.
    const { target, lock, claim } = deadLock(scratch());
    const taker = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"]);
    try {
      writeFileSync(claim, `${taker.pid} ${hostname()} stalled-taker\n`);
      const waits: [number, string][] = [];
      const controller = new AbortController();
      const taking = lockDestination(target, {
        pollMs: 10,
        // A wait that is never said ends here, and fails below.
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(15_000)]),
        onWait: (pid, file) => {
          waits.push([pid, file]);
          controller.abort(new Error("stop"));
        },
      });
      await expect(taking).rejects.toMatchObject({ code: "ABORTED" });
      expect(waits).toEqual([[taker.pid, claim]]);
      // The claim's taker gone (it finished, or it was killed): the lock is taken over.
      rmSync(claim);
      const held = await lockDestination(target, { pollMs: 10, signal: AbortSignal.timeout(20_000) });
      expect(readFileSync(lock, "utf8")).toMatch(new RegExp(`^${process.pid} `));
      await held.release();
    } finally {
      taker.kill();
    }
  });

  it("quotes a lock name with control characters in its refusal", async () => {
    const dir = scratch();
    const target = join(dir, "a\x1b[31m\nregatta: forged.tar");
    const lock = lockPathOf(target);
    spawnSync("mkfifo", [lock]);
    const error = await lockDestination(target, { pollMs: 10 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "NOT_OURS",
      path: lock,
      message: `${JSON.stringify(lock)} is not a regatta lock (a FIFO); remove it and try again`,
    });
    expect((error as Error).message).not.toMatch(/[\x1b\n]/);
  });

  it("takes over a dead lock whose taker was killed while it held its claim", async () => {
    const dir = scratch();
    const { target, lock, claim } = deadLock(dir);
    expect(claim.startsWith(join(dir, ".x.tar.regatta-lock."))).toBe(true);
    writeFileSync(claim, `${deadPid()} ${hostname()} killed-taker\n`);
    const held = await lockDestination(target, { pollMs: 10 });
    expect(readFileSync(lock, "utf8")).toMatch(new RegExp(`^${process.pid} `));
    expect(existsSync(claim)).toBe(false);
    await held.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** A lock in `dir` whose holder has ended (for `x.tar`), and the name of the claim a taker of it makes. */
function deadLock(dir: string): { target: string; lock: string; claim: string } {
  const target = join(dir, "x.tar");
  const lock = lockPathOf(target);
  writeFileSync(lock, `${deadPid()} ${hostname()} dead\n`);
  const stats = lstatSync(lock);
  const claim = claimPathOf(lock, { dev: stats.dev, ino: stats.ino, text: readFileSync(lock, "utf8") });
  return { target, lock, claim };
}

/** The pid of a process that has ended. */
function deadPid(): string {
  return spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
}
