/**
 * Several writers of one pull make the shared `.regatta-partial` directory at once, each after finding a link planted
 * at its name: the one that comes second must not remove the directory the first made in the link's place (with the
 * first's partial blob in it, or about to be), which failed a pull on CI now and then ("cannot be removed", ENOENT).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOwnFile, ownDirectory } from "./own-file.js";

const root = mkdtempSync(join(tmpdir(), "regatta-own-directory-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ownDirectory, by several writers at once over a planted link", () => {
  it("every writer gets the directory and keeps its file in it", async () => {
    const outside = mkdtempSync(join(root, "outside-"));
    for (let round = 0; round < 40; round++) {
      const dest = mkdtempSync(join(root, "dest-"));
      const partial = join(dest, ".regatta-partial");
      symlinkSync(outside, partial);
      const writers = Array.from({ length: 4 }, async (_, i) => {
        await ownDirectory(partial);
        const handle = await createOwnFile(join(partial, `blob-${i}.partial`));
        await handle.close();
      });
      await Promise.all(writers);
      expect(readdirSync(partial).sort()).toEqual([0, 1, 2, 3].map((i) => `blob-${i}.partial`));
      expect(readdirSync(outside)).toEqual([]);
    }
    expect(existsSync(outside)).toBe(true);
  });
});
