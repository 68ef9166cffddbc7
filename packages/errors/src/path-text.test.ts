import { describe, expect, it } from "vitest";
import { quotePath } from "./path-text.js";

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
