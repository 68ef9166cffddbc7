import { spawnSync } from "node:child_process";
import { linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { foreignFile } from "./foreign-file.js";

const dir = mkdtempSync(join(tmpdir(), "regatta-foreign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("foreignFile", () => {
  it("says what is at a name when it is not a regular file of this user's as asked, never following a link", async () => {
    const file = join(dir, "file");
    writeFileSync(file, "1234");
    const fifo = join(dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    const link = join(dir, "link");
    symlinkSync(file, link);
    const controls = join(dir, "link-esc");
    symlinkSync("/tmp/x\x1b[2Jy", controls);
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const twice = join(dir, "twice");
    writeFileSync(twice, "x");
    linkSync(twice, join(dir, "twice-2"));
    const what = async (path: string, rules = {}) => foreignFile(lstatSync(path), path, rules);
    expect(await what(file)).toBeUndefined();
    expect(await what(fifo)).toBe("a FIFO");
    expect(await what(link)).toBe(`a symbolic link to ${file}`);
    expect(await what(controls)).toBe('a symbolic link to "/tmp/x\\u001b[2Jy"');
    expect(await what(sub)).toBe("a directory");
    expect(await what("/dev/null")).toBe("a device");
    expect(await what(twice)).toBeUndefined();
    expect(await what(twice, { oneName: true })).toBe("a file with other names (hard links)");
    expect(await what(file, { maxBytes: 4 })).toBeUndefined();
    expect(await what(file, { maxBytes: 3 })).toBe("a file of 4 bytes");
    if (process.getuid?.() === 0) {
      const theirs = join(dir, "theirs");
      writeFileSync(theirs, "");
      (await import("node:fs")).chownSync(theirs, 12345, 12345);
      expect(await what(theirs)).toBe("a file of uid 12345, not yours");
    }
  });
});
