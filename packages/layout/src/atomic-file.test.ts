/**
 * Atomic writes write through what is not a regular file (atomic-file.ts `writeTarget`): `-o /dev/null` as root
 * once renamed a regular file over the device. FIFOs and links stand in for devices here; no test touches /dev.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { AbortError, FileSystemError, TimeoutError } from "@regatta/errors";
import { hiddenName } from "@regatta/errors/hidden-name";
import { HOST_TAG } from "@regatta/errors/write-lock";
import { describe, expect, it } from "vitest";
import { writeFileAtomic, writeStreamAtomic } from "./atomic-file.js";
import { scratchDirs } from "./test-helpers.js";

const scratch = scratchDirs("regatta-atomic-");
const bytes = () => Readable.from([Buffer.from("new content")]);

describe("writeStreamAtomic and writeFileAtomic", () => {
  it("write through a FIFO (a device's stand-in): it stays a FIFO and its reader gets the bytes", async () => {
    const dir = scratch();
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    for (const write of [
      () => writeStreamAtomic(fifo, bytes()),
      () => writeFileAtomic(fifo, Buffer.from("new content")),
    ]) {
      const chunks: Buffer[] = [];
      const reader = new Promise<void>((resolve, reject) =>
        createReadStream(fifo)
          .on("data", (c) => chunks.push(c as Buffer))
          .on("end", resolve)
          .on("error", reject),
      );
      await write();
      await reader;
      expect(Buffer.concat(chunks).toString()).toBe("new content");
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    }
    expect(await readdir(dir)).toEqual(["pipe"]);
  });

  it("wait for a FIFO's reader without blocking a thread: a reader that comes later gets it all, an abort ends the wait", async () => {
    const dir = scratch();
    const fifo = join(dir, "late");
    execFileSync("mkfifo", [fifo]);
    const chunks: Buffer[] = [];
    let reading: Promise<void> | undefined;
    setTimeout(() => {
      reading = new Promise<void>((resolve, reject) =>
        createReadStream(fifo)
          .on("data", (c) => chunks.push(c as Buffer))
          .on("end", resolve)
          .on("error", reject),
      );
    }, 300);
    await writeStreamAtomic(fifo, bytes());
    await reading;
    expect(Buffer.concat(chunks).toString()).toBe("new content");

    // Nobody reads: the wait ends with the signal (a blocking open would have kept the process alive for ever).
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("interrupted")), 200);
    await expect(writeStreamAtomic(fifo, bytes(), { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    // AbortSignal.timeout() is a timeout, typed as the transport types one (not a bare DOMException).
    await expect(
      writeStreamAtomic(fifo, bytes(), { signal: AbortSignal.timeout(150) }),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("replace the file a symbolic link names, keeping the link; a dangling link's target is created", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "real"), "old");
    symlinkSync("real", join(dir, "link"));
    await writeStreamAtomic(join(dir, "link"), bytes());
    expect(lstatSync(join(dir, "link")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real"), "utf8")).toBe("new content");

    mkdirSync(join(dir, "sub"));
    symlinkSync("sub/made", join(dir, "dangling"));
    await writeFileAtomic(join(dir, "dangling"), Buffer.from("made"));
    expect(lstatSync(join(dir, "dangling")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "sub/made"), "utf8")).toBe("made");
    expect((await readdir(dir)).sort()).toEqual(["dangling", "link", "real", "sub"]);
    // A chain of links whose end is missing: every link kept, the end created.
    symlinkSync("b", join(dir, "a"));
    symlinkSync("sub/end", join(dir, "b"));
    await writeFileAtomic(join(dir, "a"), Buffer.from("end"));
    expect([lstatSync(join(dir, "a")).isSymbolicLink(), lstatSync(join(dir, "b")).isSymbolicLink()]).toEqual([
      true,
      true,
    ]);
    expect(readFileSync(join(dir, "sub/end"), "utf8")).toBe("end");
  });

  it("writeFileAtomic gives the file the mode asked for, also over an existing 0644 file", async () => {
    const dir = scratch();
    const file = join(dir, "private");
    writeFileSync(file, "old", { mode: 0o644 });
    await writeFileAtomic(file, Buffer.from("new"), { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("new");
  });

  it("refuse a directory, naming it, and leave nothing beside it", async () => {
    const dir = scratch();
    mkdirSync(join(dir, "d"));
    const error = await writeStreamAtomic(join(dir, "d"), bytes()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as Error).message).toBe(`is a directory: writing ${join(dir, "d")}`);
    expect(await readdir(dir)).toEqual(["d"]);
  });

  it("refuse a path under a file, in words, not Node's errno text", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "plain"), "hi");
    const error = await writeStreamAtomic(join(dir, "plain/sub"), bytes()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NOT_A_DIRECTORY" });
    expect((error as Error).message).toBe(
      `not a directory (a file is in the way): writing ${join(dir, "plain/sub")}`,
    );
    expect(await readdir(dir)).toEqual(["plain"]);
  });

  it("remove the partial file a killed writer left beside the path, and only that", async () => {
    const dir = scratch();
    // A pid that no longer runs: a child that has exited.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const names = {
      dead: `.out.bin.${dead}-${HOST_TAG}-0123456789ab.partial`,
      live: `.out.bin.${process.pid}-${HOST_TAG}-0123456789ab.partial`,
      otherHost: `.out.bin.${dead}-${HOST_TAG === "00000000" ? "11111111" : "00000000"}-0123456789ab.partial`,
      otherFile: `.other.bin.${dead}-${HOST_TAG}-0123456789ab.partial`,
      notOurs: ".out.bin.partial",
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), "half");
    await writeStreamAtomic(join(dir, "out.bin"), bytes());
    expect(readFileSync(join(dir, "out.bin"), "utf8")).toBe("new content");
    const left = await readdir(dir);
    expect(left).not.toContain(names.dead);
    expect(left.sort()).toEqual(
      [names.live, names.otherHost, names.otherFile, names.notOurs, "out.bin"].sort(),
    );
  });

  it("write a file whose name is 250 bytes (its partial and temporary names shortened), and clean up a dead writer's", async () => {
    const dir = scratch();
    const name = `${"é".repeat(100)}${"x".repeat(46)}.bin`;
    expect(Buffer.byteLength(name)).toBe(250);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const left = hiddenName(name, `.${dead}-${HOST_TAG}-0123456789ab.partial`);
    expect(Buffer.byteLength(left)).toBeLessThanOrEqual(255);
    writeFileSync(join(dir, left), "half");
    await writeStreamAtomic(join(dir, name), bytes());
    expect(readFileSync(join(dir, name), "utf8")).toBe("new content");
    await writeFileAtomic(join(dir, name), Buffer.from("again"));
    expect(readFileSync(join(dir, name), "utf8")).toBe("again");
    expect(await readdir(dir)).toEqual([name]);
  });
});
