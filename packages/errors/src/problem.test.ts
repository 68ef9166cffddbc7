import { describe, expect, it } from "vitest";
import { charAt, describeProblem, shiftProblem } from "./index.js";

describe("describeProblem", () => {
  it.each([
    [{ reason: "digest is empty", offset: 0 }, "digest is empty"],
    [{ reason: "tag is empty", part: "", offset: 4 }, "tag is empty (at column 5)"],
    [{ reason: "bad", part: " ", offset: 2 }, 'bad (" " at column 3)'],
    [{ reason: "bad", part: '"', offset: 0 }, 'bad ("\\"" at column 1)'],
  ])("%j → %s", (problem, message) => {
    expect(describeProblem(problem)).toBe(message);
  });
});

describe("shiftProblem", () => {
  it("moves the offset and keeps the rest", () => {
    const problem = { reason: "r", part: "p", offset: 2 };
    expect(shiftProblem(problem, 5)).toEqual({ reason: "r", part: "p", offset: 7 });
    expect(problem.offset).toBe(2);
  });
});

describe("charAt", () => {
  it("returns a whole code point, not half a surrogate pair", () => {
    expect(charAt("a🐳b", 1)).toBe("🐳");
    expect(charAt("abc", 2)).toBe("c");
    expect(charAt("abc", 3)).toBe("\ufffd");
  });
});
