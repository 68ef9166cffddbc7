import { describe, expect, it } from "vitest";
import { formatWait, retryAfterText } from "./index.js";

/** Milliseconds → [formatWait, retryAfterText]: the two wordings side by side, at each boundary. */
const TABLE: [number, string, string][] = [
  [0, "0 s", "0 s"],
  [1, "1 s", "1 s"], // rounded up: never promise less than the wait
  [999, "1 s", "1 s"],
  [1000, "1 s", "1 s"],
  [1001, "2 s", "2 s"],
  [2000, "2 s", "2 s"],
  [2001, "3 s", "3 s"],
  [7000, "7 s", "7 s"],
  [59_999, "1 min", "60 s"],
  [60_000, "1 min", "60 s"],
  [61_000, "1 min 1 s", "61 s"],
  [90_000, "1 min 30 s", "90 s"],
  [119_000, "1 min 59 s", "119 s"],
  [119_001, "2 min", "120 s, about 2 min"],
  [120_000, "2 min", "120 s, about 2 min"],
  [149_000, "2 min 29 s", "149 s, about 2 min"],
  [150_000, "2 min 30 s", "150 s, about 3 min"], // rounded to the nearest minute
  [600_000, "10 min", "600 s, about 10 min"],
  [3_599_000, "59 min 59 s", "3599 s, about 60 min"],
  [3_600_000, "60 min", "3600 s, about 1 h"],
  [5_400_000, "90 min", "5400 s, about 1.5 h"], // tenths of an hour
  [5_579_000, "92 min 59 s", "5579 s, about 1.5 h"],
  [5_580_000, "93 min", "5580 s, about 1.6 h"],
  [86_400_000, "1440 min", "86400 s, about 24 h"],
];

describe("wording of a wait", () => {
  it.for(TABLE)("%i ms: %s (a wait taken), %s (a Retry-After)", ([ms, taken, asked]) => {
    expect(formatWait(ms)).toBe(taken);
    expect(retryAfterText(ms)).toBe(asked);
  });
});
