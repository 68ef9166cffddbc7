import { describe, expect, it } from "vitest";
import { humanSize } from "./human-size.js";

describe("humanSize", () => {
  // docker's and skopeo's spelling: 1000-based, one decimal below 10.
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [2149, "2.1 kB"],
    [27_000_000, "27 MB"],
    [9_949_999, "9.9 MB"],
    [3.2e12, "3.2 TB"],
    [5e15, "5000 TB"],
  ])("%i bytes is %s", (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });
});
