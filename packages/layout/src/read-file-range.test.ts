/**
 * readFileRange reads a range through a handle it never closes: a stream destroyed half-way (an upload stopped or
 * failed) leaves the handle for the next attempt, where a FileHandle's own read stream closed it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { FileSystemError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { readFileRange } from "./regular-file.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("readFileRange", () => {
  it("reads the range again after a stream of it was destroyed half-way, the handle still open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-range-"));
    dirs.push(dir);
    const bytes = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => i % 251));
    writeFileSync(join(dir, "f"), bytes);
    const handle = await open(join(dir, "f"));
    try {
      const first = readFileRange(handle, "f", 10, bytes.length - 20);
      await new Promise<void>((resolve) => first.once("data", () => resolve()));
      first.destroy(new Error("the upload failed"));
      await finished(first).catch(() => undefined);
      expect(await collect(readFileRange(handle, "f", 10, bytes.length - 20))).toEqual(
        bytes.subarray(10, -10),
      );
      expect(handle.fd).toBeGreaterThan(0);
    } finally {
      await handle.close();
    }
  });

  it("a file shorter than the range is a FileSystemError naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-range-"));
    dirs.push(dir);
    writeFileSync(join(dir, "f"), Buffer.alloc(100));
    const handle = await open(join(dir, "f"));
    try {
      const error = await collect(readFileRange(handle, join(dir, "f"), 0, 200)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileSystemError);
      expect((error as Error).message).toContain(
        "got shorter while it was read: it ends at 100 bytes, 200 expected",
      );
    } finally {
      await handle.close();
    }
  });
});
