import { DEFAULT_COPY_CONCURRENCY } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { DEFAULT_JOBS, defaultsLine, jobsOf } from "./transfer-defaults.js";

describe("copy and pull defaults", () => {
  it("use the client's tuned copy concurrency, written down for --help without loading the client", () => {
    expect(DEFAULT_JOBS).toBe(DEFAULT_COPY_CONCURRENCY);
  });

  it("take --jobs when given, the default otherwise, and refuse what is no positive number", () => {
    expect([jobsOf(undefined), jobsOf("2")]).toEqual([DEFAULT_JOBS, 2]);
    expect(() => jobsOf("0")).toThrow('--jobs takes a positive whole number, not "0"');
  });

  it("say what they took and how many blobs at once, and whether that was the default", () => {
    expect(defaultsLine("copy", "every platform of an index", 4, false)).toBe(
      "copy: every platform of an index; 4 blobs at once (default)",
    );
    expect(defaultsLine("pull", "platform linux/arm64", 1, true)).toBe(
      "pull: platform linux/arm64; 1 blob at once",
    );
  });
});
