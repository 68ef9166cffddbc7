/** shellWord (shell-word.ts): a suggested command's words, read back by bash as the very argv. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellWord } from "./shell-word.js";

/** The argv bash reads from `line` (the words printf is handed, one NUL after each). */
function argvOf(line: string): string[] {
  const out = execFileSync("bash", ["-c", `printf '%s\\0' ${line}`], {
    encoding: "utf8",
    env: { HOME: "/home/x" },
  });
  return out.split("\0").slice(0, -1);
}

describe("shellWord", () => {
  it("leaves a word of letters, digits and @%_+=:,./- bare", () => {
    for (const word of [
      "oci:./lay:1.0",
      "localhost:5000/app@sha256:abc",
      "a_b+c=d,e%f",
      "-x",
      "/tmp/x.tar",
    ]) {
      expect(shellWord(word)).toBe(word);
    }
  });

  it("quotes any other word so that bash reads it back whole: spaces, quotes, $, backquotes, globs, controls", () => {
    const words = [
      "oci:/tmp/my dir/lay:1.0",
      "it's",
      "'",
      "$HOME",
      "`id`",
      "$(id)",
      "a*b?",
      "~",
      "back\\slash",
      "",
      "naïve",
      "a\nb",
      "\x1b[2Jclear",
      "it's\tx",
      "zero\u200bwidth\u202e",
      "!x",
    ];
    const quoted = words.map(shellWord);
    expect(quoted[0]).toBe("'oci:/tmp/my dir/lay:1.0'");
    expect(quoted[1]).toBe("'it'\\''s'");
    expect(argvOf(quoted.join(" "))).toEqual(words);
  });

  it("shows no raw control or format character (the line is safe on a terminal)", () => {
    for (const word of ["a\nb", "\x1b[2J", "x\u202ey", "\x7f", "\u0085"]) {
      expect(shellWord(word)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e]/);
    }
  });
});
