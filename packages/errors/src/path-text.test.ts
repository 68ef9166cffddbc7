import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { quotePath, quoteText } from "./path-text.js";

/** Any character a terminal acts on or that hides or reorders text (see path-text.ts). */
const RAW_CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

describe("quotePath", () => {
  it("shows a path without controls as it is, quotes and spaces included", () => {
    for (const path of ["/tmp/app.tar", "/home/me/my images/é 😀.tar", 'it\'s "x"\\y', ""]) {
      expect(quotePath(path)).toBe(path);
    }
  });

  it("quotes a path with any control in it, every control visible, and reads back as the very path", () => {
    for (const path of [
      "/tmp/app\x1b[2J\x1b]0;owned\x07.tar", // clears the screen, retitles the window
      "/tmp/a\x1b[31mred.tar", // a colour Regatta's own output boundary lets through
      "/tmp/one\nregatta: forged second line", // a second line of a one-line error
      "/tmp/back\rover\twritten",
      "/tmp/c1\x9b2Jcsi\x85nel\x7fdel",
      "/tmp/\u202egnp.exe", // bidi override
      "/tmp/zero\u200bwidth\u2028sep\ufeff",
      '/tmp/quote"and\\backslash\x1b',
    ]) {
      const shown = quotePath(path);
      expect(shown, JSON.stringify(path)).not.toMatch(RAW_CONTROL);
      expect(shown.startsWith('"') && shown.endsWith('"')).toBe(true);
      expect(JSON.parse(shown)).toBe(path);
    }
  });
});

describe("quoteText", () => {
  it("quotes as JSON.stringify does, and escapes what it leaves raw: DEL, C1, bidi and invisible format characters", () => {
    for (const text of ["latest", 'a "b" \\ c', "é 😀", ""])
      expect(quoteText(text)).toBe(JSON.stringify(text));
    for (const text of [
      "tag\x9b2J", // C1 CSI: clears the screen on 8-bit terminals
      "title\x85next\x7f",
      "\u202egnp.exe", // bidi override (Trojan Source)
      "\u2066isolated\u2069\u202a\u202d",
      "zero\u200bwidth\ufeff\u2028",
      "esc\x1b[31m\nline",
    ]) {
      const shown = quoteText(text);
      expect(shown, JSON.stringify(text)).not.toMatch(RAW_CONTROL);
      expect(JSON.parse(shown)).toBe(text);
    }
  });

  it("is what every library message quotes a name with: no JSON.stringify inside a template of packages/*/src", () => {
    const packages = join(import.meta.dirname, "../..");
    const offenders: string[] = [];
    for (const entry of readdirSync(packages, { withFileTypes: true, recursive: true })) {
      const file = join(entry.parentPath, entry.name);
      const rel = relative(packages, file);
      // Sources only: not tests, not built files, not the test kit (it writes registry config and answers).
      if (
        !/^[^/]+\/src\/.*\.ts$/.test(rel) ||
        /\.test\.ts$|^testkit\//.test(rel) ||
        rel.includes("node_modules")
      )
        continue;
      for (const [i, line] of readFileSync(file, "utf8").split("\n").entries()) {
        // Files written as JSON (a HAR, a credentials file) are JSON, not messages.
        if (line.includes("${JSON.stringify(") && !/writeFile/.test(line)) offenders.push(`${rel}:${i + 1}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
