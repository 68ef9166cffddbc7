/**
 * fetchBlob's own retries follow the transport's word on what is worth another attempt: a connection that broke is,
 * a stall (idle timeout) is not — the user said how long a silence may last (issue 10, item 8), and a pull that
 * waited for it three times took three times as long as asked.
 */
import { Readable } from "node:stream";
import { RegistryUnreachableError, TimeoutError } from "@regatta/errors";
import { parseRepository } from "@regatta/reference";
import { describe, expect, it } from "vitest";
import type { ClientContext } from "../context.js";
import { type BlobTarget, fetchBlob } from "./blob-fetch.js";

/** A transport whose downloads fail with the given errors in turn, then deliver `bytes`. */
function fakeContext(failures: Error[], bytes: Buffer): { ctx: ClientContext; calls: () => number } {
  let calls = 0;
  const transport = {
    blob: async () => {
      calls++;
      const failure = failures.shift();
      const stream = failure
        ? new Readable({
            read() {
              this.destroy(failure);
            },
          })
        : Readable.from([bytes]);
      return { stream, offset: 0, size: bytes.length };
    },
  };
  return { ctx: { transport } as unknown as ClientContext, calls: () => calls };
}

function memoryTarget(): BlobTarget & { written: Buffer[]; committed: boolean } {
  const target = {
    written: [] as Buffer[],
    committed: false,
    held: async () => 0 as const,
    prefix: async function* () {},
    open: async () => ({
      write: (chunk: Uint8Array) => void target.written.push(Buffer.from(chunk)),
      close: async () => {},
    }),
    commit: async () => {
      target.committed = true;
    },
    reset: async () => {
      target.written = [];
    },
  };
  return target;
}

const repository = parseRepository("localhost:5000/a");
const bytes = Buffer.from("layer");

describe("fetchBlob retries", () => {
  it("a stall (a TimeoutError that is not retryable) fails at once, not after three idle timeouts", async () => {
    const stall = new TimeoutError("idle timeout (300 ms): registry stopped sending", { retryable: false });
    const { ctx, calls } = fakeContext([stall], bytes);
    const target = memoryTarget();
    const err = await fetchBlob(ctx, repository, { digest: "sha256:x", size: 5, target }).catch((e) => e);
    expect(err).toBe(stall);
    expect(calls()).toBe(1);
    expect(target.committed).toBe(false);
  });

  it("a broken connection and a connect timeout are tried again", async () => {
    const cut = new RegistryUnreachableError("connection reset", { retryable: true });
    const connect = new TimeoutError("connect timeout", { retryable: true });
    const { ctx, calls } = fakeContext([cut, connect], bytes);
    const target = memoryTarget();
    expect(await fetchBlob(ctx, repository, { digest: "sha256:x", size: 5, target })).toBe("downloaded");
    expect(calls()).toBe(3);
    expect(Buffer.concat(target.written).equals(bytes)).toBe(true);
  });
});
