/**
 * makeDirectories: `mkdir -p` that ends. Node's recursive mkdir loops forever where mkdir answers ENOENT under an
 * existing parent (procfs); here that is an error at once.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDirectories, makeDirectoriesSync } from "./make-directories.js";

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "regatta-mkdirs-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ["makeDirectories", makeDirectories],
  ["makeDirectoriesSync", async (path: string, mode?: number) => makeDirectoriesSync(path, mode)],
] as const)("%s", (_, make) => {
  it("makes every missing parent and returns the first one it made", async () => {
    expect(await make(join(work, "a", "b", "c"), 0o700)).toBe(join(work, "a"));
    expect(statSync(join(work, "a", "b", "c")).isDirectory()).toBe(true);
    expect(statSync(join(work, "a", "b")).mode & 0o777).toBe(0o700);
  });

  it("returns undefined for a directory that exists, and is quiet when another process made it first", async () => {
    await make(join(work, "a"));
    expect(await make(join(work, "a"))).toBeUndefined();
    const racing = await Promise.all([make(join(work, "r", "s")), make(join(work, "r", "s"))]);
    expect(racing).toContain(join(work, "r"));
    expect(existsSync(join(work, "r", "s"))).toBe(true);
  });

  it("a file in the way is mkdir's error", async () => {
    writeFileSync(join(work, "file"), "");
    await expect(make(join(work, "file", "below"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(make(join(work, "file"))).rejects.toMatchObject({ code: "EEXIST" });
  });

  it.runIf(existsSync("/proc/self"))(
    "fails at once under /proc, where Node's recursive mkdir never returns",
    async () => {
      await expect(make("/proc/regatta-no-such/a/b")).rejects.toMatchObject({ code: "ENOENT" });
    },
  );
});
