/**
 * A lint of the CLI's and the REPL's sources: a local path (or a path inside an image) interpolated into a message
 * goes through quotePath (@regatta/errors), so a name with ESC or a newline in it cannot restyle the terminal or
 * forge a line (QA H10). It catches the plain spelling, `${…path}`, `${…file}`, `${…destination}`, `${…har}`,
 * `${…output}`, of a new line that forgets it; a value under those names that is no file name is listed below.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOTS = ["../src", "../../repl/src"].map((dir) => fileURLToPath(new URL(dir, import.meta.url)));
const RAW_PATH = /\$\{((?:[\w?]+\.)*(?:path|file|destination|dest|har|output))\}/g;

/** `file:expression` of the interpolations that are no file name, or that another part of the tree quotes. */
const NOT_A_PATH = new Set([
  // A YAML key path (`sync[0].tags`) in the sync config's messages; the file is quoted by `where`.
  "sync-config.ts:path",
  // A registry repository the sync writes to.
  "sync-config.ts:destination",
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !/\.test\.ts$|^test-/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe("messages name local paths through quotePath", () => {
  it("no CLI or REPL source interpolates a path raw into a template string", () => {
    const raw: string[] = [];
    for (const file of ROOTS.flatMap(sources)) {
      const name = file.split("/").pop() as string;
      for (const [i, line] of readFileSync(file, "utf8").split("\n").entries()) {
        for (const [, expression] of line.matchAll(RAW_PATH)) {
          if (!NOT_A_PATH.has(`${name}:${expression}`)) raw.push(`${file}:${i + 1}: ${line.trim()}`);
        }
      }
    }
    expect(raw).toEqual([]);
  });
});
