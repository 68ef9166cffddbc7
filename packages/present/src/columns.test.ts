import { describe, expect, it } from "vitest";
import { columns } from "./columns.js";

describe("columns", () => {
  it.each([
    [["a", "b", "c"], 80, "  a  b  c"],
    // Column-major, as ls: down, then across.
    [["1.0", "1.1", "1.2", "2.0", "2.1"], 16, "  1.0  2.0\n  1.1  2.1\n  1.2"],
    [["a-very-long-tag"], 10, "  a-very-long-tag"],
    [[], 80, ""],
  ])("%j in %i columns", (words, width, expected) => {
    expect(columns(words, width)).toBe(expected);
  });

  it("lays out 200,000 words (Math.max(...words) overflowed the stack)", () => {
    const words = Array.from({ length: 200_000 }, (_, i) => `t${i}`);
    // Cells of 9 ("t199999" and two spaces): 8 a line of 80, so 25,000 rows.
    expect(columns(words, 80).split("\n")).toHaveLength(25_000);
  });

  it("keeps a hostile word in its cell", () => {
    expect(columns(["a\nb", "c"], 80)).toBe("  a\\u000ab  c");
  });
});
