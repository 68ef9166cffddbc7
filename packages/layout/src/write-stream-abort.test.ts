/**
 * An aborted writeStreamAtomic fails with a typed error, never the signal's raw reason (a DOMException, or what the
 * caller gave abort()), whether the abort comes before the write or during it (QA library6 F1).
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { AbortError, RegattaError, TimeoutError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { writeStreamAtomic } from "./atomic-file.js";

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("writeStreamAtomic aborted", () => {
  it("during the write, by a source deaf to the signal: AbortError ABORTED naming the file, the reason as cause", async () => {
    const dir = mkdtempSync(join(tmpdir(), "write-abort-"));
    const source = new PassThrough();
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    source.write("some bytes");
    const writing = writeStreamAtomic(join(dir, "out"), source, { signal: controller.signal });
    source.once("data", () => controller.abort(reason));
    source.write("more bytes");
    const error = await failure(writing);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe("ABORTED");
    expect((error as AbortError).message).toContain(join(dir, "out"));
    expect((error as AbortError).cause).toBe(reason);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("before the write, with the default reason: AbortError, not the DOMException", async () => {
    const dir = mkdtempSync(join(tmpdir(), "write-abort-"));
    const error = await failure(
      writeStreamAtomic(join(dir, "out"), new PassThrough(), { signal: AbortSignal.abort() }),
    );
    expect(error).toBeInstanceOf(RegattaError);
    expect((error as RegattaError).code).toBe("ABORTED");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("by AbortSignal.timeout(): a TimeoutError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "write-abort-"));
    const controller = new AbortController();
    controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
    const error = await failure(writeStreamAtomic(join(dir, "out"), new PassThrough(), controller));
    expect(error).toBeInstanceOf(TimeoutError);
  });
});
