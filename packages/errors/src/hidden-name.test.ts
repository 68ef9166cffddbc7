import { describe, expect, it } from "vitest";
import { hiddenName, NAME_MAX } from "./hidden-name.js";

const bytes = (s: string) => Buffer.byteLength(s);

describe("hiddenName", () => {
  it("is the plain `.NAME<suffix>` while it fits", () => {
    expect(hiddenName("app.tar", ".regatta-partial")).toBe(".app.tar.regatta-partial");
    const fits = "a".repeat(NAME_MAX - 1 - bytes(".regatta-lock"));
    expect(hiddenName(fits, ".regatta-lock")).toBe(`.${fits}.regatta-lock`);
  });

  it("stays within 255 bytes for names up to 255 bytes, cut between UTF-8 characters, one per name", () => {
    for (const name of [
      "x".repeat(255),
      "é".repeat(125),
      `${"é".repeat(100)}${"x".repeat(50)}`,
      "😀".repeat(63),
    ]) {
      for (const suffix of [
        ".regatta-lock",
        ".regatta-partial.json",
        ".1234567-0a1b2c3d-00112233aabb.partial",
      ]) {
        const hidden = hiddenName(name, suffix);
        expect(bytes(hidden)).toBeLessThanOrEqual(NAME_MAX);
        expect(hidden.endsWith(suffix)).toBe(true);
        expect(hidden).not.toContain("\ufffd");
        expect(Buffer.from(hidden).toString("utf8")).toBe(hidden);
        expect(hiddenName(name, suffix)).toBe(hidden);
      }
    }
    // Two long names that differ only at the end get different hidden names.
    const a = `${"y".repeat(250)}a.tar`;
    const b = `${"y".repeat(250)}b.tar`;
    expect(hiddenName(a, ".regatta-partial")).not.toBe(hiddenName(b, ".regatta-partial"));
  });
});
