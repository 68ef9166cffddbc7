import { describe, expect, it } from "vitest";
import { escapeControls, escapeField, escapeLine } from "./terminal-text.js";

/** Whether a text still holds anything a terminal acts on, other than the styles Regatta draws. */
function live(text: string): string[] {
  const stripped = text.replace(/\x1b\[(?:1|2|4|22|24|3[1-6]|39|90)m/g, "");
  return [...stripped].filter((ch) =>
    /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/.test(ch),
  );
}

describe("escapeControls", () => {
  it.each([
    ["OSC title with BEL", "\x1b]0;pwned\x07", "\\u001b]0;pwned\\u0007"],
    ["OSC hyperlink with ST", "\x1b]8;;http://x/\x1b\\a", "\\u001b]8;;http://x/\\u001b\\a"],
    ["clear screen", "\x1b[2J\x1b[H", "\\u001b[2J\\u001b[H"],
    ["C1 CSI", "\u009b2J", "\\u009b2J"],
    ["carriage return overwrite", "ok\rEVIL", "ok\\u000dEVIL"],
    ["bidi override", "\u202eevil\u202c", "\\u202eevil\\u202c"],
    ["bidi isolate", "\u2066x\u2069", "\\u2066x\\u2069"],
    ["backspace, DEL, NUL", "a\b\x7f\x00", "a\\u0008\\u007f\\u0000"],
    ["conceal style", "\x1b[8mhidden\x1b[0m", "\\u001b[8mhidden\\u001b[0m"],
    ["black foreground", "\x1b[30mx", "\\u001b[30mx"],
    ["line separator", "a\u2028b", "a\\u2028b"],
  ])("%s", (_, input, expected) => {
    expect(escapeControls(input)).toBe(expected);
    expect(live(escapeControls(input))).toEqual([]);
  });

  it("keeps newlines, tabs, plain text and Unicode letters", () => {
    const text = "tag\t1.0\nnaïve 日本語 ✓";
    expect(escapeControls(text)).toBe(text);
  });

  it("keeps Regatta's own bold, dim and colours (picocolors' codes)", () => {
    const styled = "\x1b[1mH\x1b[22m \x1b[2md\x1b[22m \x1b[31mr\x1b[39m \x1b[32mg\x1b[39m \x1b[90mu\x1b[39m";
    expect(escapeControls(styled)).toBe(styled);
  });

  it("keeps JSON valid and equal", () => {
    const value = { tag: "a\u009b2J\u202e", n: 1 };
    const text = escapeControls(JSON.stringify(value));
    expect(JSON.parse(text)).toEqual(value);
    expect(live(text)).toEqual([]);
  });

  it("is idempotent", () => {
    const once = escapeControls("\x1b[2J\r\u202e");
    expect(escapeControls(once)).toBe(once);
  });
});

describe("escapeField and escapeLine", () => {
  it("a registry's value loses every ESC, a style Regatta draws included, and its tabs and newlines", () => {
    for (const style of ["\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[4m", "\x1b[90m"]) {
      expect(escapeField(`t${style}red`)).toBe(`t\\u001b${style.slice(1)}red`);
    }
    expect(escapeField("a\tb\nc")).toBe("a\\u0009b\\u000ac");
    expect(escapeField("plain-1.0")).toBe("plain-1.0");
  });

  it("a line of Regatta's own keeps its styles on its line", () => {
    expect(escapeLine("\x1b[1mindex\x1b[22m a\nb")).toBe("\x1b[1mindex\x1b[22m a\\u000ab");
    expect(escapeLine(`\x1b[1m${escapeField("x\x1b[31m")}\x1b[22m`)).toBe("\x1b[1mx\\u001b[31m\x1b[22m");
  });
});
