import type { FileHandle } from "node:fs/promises";
import { FileSystemError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { positionalWriter } from "./chunk-writer.js";

/**
 * A file of `capacity` bytes in memory that behaves as write(2) on a filling disk: a write takes what fits and
 * reports the short count; the next one, with nothing left, fails with ENOSPC.
 */
function fillingDisk(capacity: number) {
  const file = Buffer.alloc(capacity);
  let used = 0;
  const put = (bytes: Buffer, position: number): number => {
    if (used >= capacity)
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const n = Math.min(bytes.length, capacity - used);
    bytes.copy(file, position, 0, n);
    used += n;
    return n;
  };
  const handle = {
    async writev(buffers: Uint8Array[], position: number) {
      return { bytesWritten: put(Buffer.concat(buffers), position), buffers };
    },
    async write(buffer: Buffer, offset: number, length: number, position: number) {
      return { bytesWritten: put(buffer.subarray(offset, offset + length), position), buffer };
    },
    async datasync() {},
    async close() {},
  };
  return { handle: handle as unknown as FileHandle, file };
}

describe("positionalWriter on a disk that fills up", () => {
  it("finishes a write the kernel shortened, then fails with a FileSystemError naming the path", async () => {
    const { handle, file } = fillingDisk(1000);
    const sink = positionalWriter(handle, 0, { batchBytes: 400, path: "/mnt/full/.a.tar.regatta-partial" });
    const chunk = Buffer.alloc(300, 7);
    let failure: unknown;
    try {
      for (let i = 0; i < 5; i++) await sink.write(chunk);
      await sink.close();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(FileSystemError);
    expect((failure as FileSystemError).code).toBe("NO_SPACE");
    expect((failure as FileSystemError).path).toBe("/mnt/full/.a.tar.regatta-partial");
    expect((failure as Error).message).toBe(
      "no space left on device: writing /mnt/full/.a.tar.regatta-partial (free some space or write elsewhere)",
    );
    expect((failure as Error).message).not.toContain("short write");
    // What fitted was written where it belongs: the short write was taken up, not dropped.
    expect(file.equals(Buffer.alloc(1000, 7))).toBe(true);
  });

  it("a short write followed by room completes the batch", async () => {
    const { handle, file } = fillingDisk(600);
    // Room for everything, but writev takes only part of the batch at first (as on a signal or a pipe).
    let first = true;
    const writev = handle.writev.bind(handle);
    type Writev = (buffers: readonly Buffer[], position?: number) => ReturnType<typeof writev>;
    (handle as unknown as { writev: Writev }).writev = async (buffers, position) => {
      if (!first) return writev(buffers, position);
      first = false;
      const whole = Buffer.concat(buffers);
      return writev([whole.subarray(0, 100)], position);
    };
    const sink = positionalWriter(handle, 0, { batchBytes: 1024 });
    await sink.write(Buffer.alloc(600, 3));
    await sink.close();
    expect(file.equals(Buffer.alloc(600, 3))).toBe(true);
  });
});
