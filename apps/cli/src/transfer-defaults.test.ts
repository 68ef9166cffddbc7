import { blobLimit, DEFAULT_COPY_CONCURRENCY, SMALL_BLOB_BYTES } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { DEFAULT_JOBS, defaultsLine, JOBS_HELP, jobsOf, SMALL_PER_JOB } from "./transfer-defaults.js";

describe("copy and pull defaults", () => {
  it("use the client's tuned copy concurrency, written down for --help without loading the client", () => {
    expect(DEFAULT_JOBS).toBe(DEFAULT_COPY_CONCURRENCY);
  });

  it("count small blobs as the client does: SMALL_PER_JOB of them under 1 MiB in place of one large", () => {
    const limit = blobLimit(3);
    const small = limit.weight({ size: SMALL_BLOB_BYTES - 1 });
    const large = limit.weight({ size: SMALL_BLOB_BYTES });
    expect([SMALL_BLOB_BYTES, limit.capacity / large, limit.capacity / small]).toEqual([
      1024 * 1024,
      3,
      3 * SMALL_PER_JOB,
    ]);
    expect(JOBS_HELP).toContain(`${SMALL_PER_JOB} per job when under 1 MiB`);
  });

  it("take --jobs when given, the default otherwise, and refuse what is no positive number", () => {
    expect([jobsOf(undefined), jobsOf("2")]).toEqual([DEFAULT_JOBS, 2]);
    expect(() => jobsOf("0")).toThrow('--jobs takes a positive whole number, not "0"');
  });

  it("say what they took and how many blobs at once, and whether that was the default", () => {
    expect(defaultsLine("copy", "every platform of an index", 4, false)).toBe(
      "copy: every platform of an index; 4 blobs at once (16 under 1 MiB) (default)",
    );
    expect(defaultsLine("pull", "platform linux/arm64", 1, true)).toBe(
      "pull: platform linux/arm64; 1 blob at once (4 under 1 MiB)",
    );
  });
});
