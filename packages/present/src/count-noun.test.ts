import { describe, expect, it } from "vitest";
import { countNoun } from "./count-noun.js";

describe("countNoun", () => {
  it.each([
    [0, "blob", undefined, "0 blobs"],
    [1, "blob", undefined, "1 blob"],
    [2, "blob", undefined, "2 blobs"],
    [1, "entry", "entries", "1 entry"],
    [3, "entry", "entries", "3 entries"],
    [0, "entry", "entries", "0 entries"],
  ])("%i %s is %s", (n, singular, plural, text) => {
    expect(countNoun(n, singular, plural)).toBe(text);
  });
});
