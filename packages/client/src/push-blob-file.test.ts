/**
 * pushBlob({ path }) opens the file once: what it checked (a regular file, its size) and hashed is what it uploads,
 * read through the same handle, even when the name is given to another file in between (QA LOW #4: it stat'ed the
 * name, then hashed and uploaded by opening the name again).
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemError, UsageError } from "@regatta/errors";
import { createMswDispatcher, distributionHandlers } from "@regatta/testkit";
import { http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";

const digestOf = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "regatta-push-file-"));
  dirs.push(dir);
  return dir;
};

describe("pushBlob from a file", () => {
  it("uploads the file it checked and hashed, though its name now names another file", async () => {
    const dir = scratch();
    const path = join(dir, "layer");
    const original = Buffer.from("the file that was checked and hashed");
    writeFileSync(path, original);
    writeFileSync(join(dir, "other"), "another file, put in its place after the hashing");
    let swapped = false;
    // The HEAD that asks whether the registry has the blob comes between the hashing and the upload.
    const swap = http.head(/\/blobs\//, () => {
      if (!swapped) renameSync(join(dir, "other"), path);
      swapped = true;
    });
    const reg = createClient("registry.test", {
      dispatcher: createMswDispatcher([swap, ...distributionHandlers({ repos: {} })]),
      retry: { attempts: 0 },
    });
    const pushed = await reg.pushBlob("team/app", { path });
    expect(swapped).toBe(true);
    expect(pushed).toMatchObject({ digest: digestOf(original), size: original.length, skipped: false });
    expect(Buffer.from(await reg.blob("team/app", pushed.digest).bytes())).toEqual(original);
  });

  it("a file cut short after it was hashed fails naming it, every attempt reading it again (QA: Node's 'fd out of range')", async () => {
    const dir = scratch();
    const path = join(dir, "layer");
    writeFileSync(path, Buffer.alloc(3 << 20, 7));
    let cut = false;
    const truncate = http.head(/\/blobs\//, () => {
      if (!cut) truncateSync(path, 1000);
      cut = true;
    });
    const reg = createClient("registry.test", {
      dispatcher: createMswDispatcher([truncate, ...distributionHandlers({ repos: {} })]),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await reg.pushBlob("team/app", { path }, { chunkSize: 1 << 20 }).catch((e: unknown) => e);
    expect(cut).toBe(true);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as Error).message).toMatch(
      /layer got shorter while it was read: it ends at 1000 bytes, 3145728 expected/,
    );
  });

  it("a FIFO or a directory at the name is refused at once, saying what it is", async () => {
    const dir = scratch();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    const reg = createClient("registry.test", {
      dispatcher: createMswDispatcher(distributionHandlers({ repos: {} })),
      retry: { attempts: 0 },
    });
    for (const [name, kind] of [
      ["pipe", "a FIFO"],
      ["", "a directory"],
    ] as const) {
      const error = await reg.pushBlob("team/app", { path: join(dir, name) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(`it is ${kind}`);
    }
  });
});
