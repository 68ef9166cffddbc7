/**
 * fetchBlob's own retries follow the transport's word on what is worth another attempt: a connection that broke is,
 * a stall (idle timeout) is not — the user said how long a silence may last (issue 10, item 8), and a pull that
 * waited for it three times took three times as long as asked.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { RegistryUnreachableError, TimeoutError } from "@regatta/errors";
import type { BlobTarget } from "@regatta/layout";
import { parseRepository } from "@regatta/reference";
import { RetryBudget } from "@regatta/transport";
import { describe, expect, it } from "vitest";
import type { ClientContext } from "../context.js";
import { fetchBlob } from "./blob-fetch.js";

/**
 * A transport whose blob GETs answer bodies that fail with the given errors in turn, then deliver `bytes`. The body
 * errors are typed as they are (`mapBodyError`), and the download itself resumes nothing (a budget of 0), so each
 * failure reaches fetchBlob, whose own retries are under test.
 */
function fakeContext(failures: Error[], bytes: Buffer): { ctx: ClientContext; calls: () => number } {
  let calls = 0;
  const transport = {
    request: async () => {
      calls++;
      const failure = failures.shift();
      const body = failure
        ? new Readable({
            read() {
              this.destroy(failure);
            },
          })
        : Readable.from([bytes]);
      return {
        status: 200,
        url: "http://localhost:5000/v2/a/blobs/x",
        headers: { "content-length": String(bytes.length) },
        body,
        dump: async () => void body.destroy(),
      };
    },
    retryPolicy: { budget: () => new RetryBudget(0) },
    mapBodyError: (err: unknown) => err,
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
const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe("fetchBlob retries", () => {
  it("a stall (a TimeoutError that is not retryable) fails at once, not after three idle timeouts", async () => {
    const stall = new TimeoutError("idle timeout (300 ms): registry stopped sending", { retryable: false });
    const { ctx, calls } = fakeContext([stall], bytes);
    const target = memoryTarget();
    const err = await fetchBlob(ctx, repository, { digest, size: 5, target }).catch((e) => e);
    expect(err).toBe(stall);
    expect(calls()).toBe(1);
    expect(target.committed).toBe(false);
  });

  it("a broken connection and a connect timeout are tried again", async () => {
    const cut = new RegistryUnreachableError("connection reset", { retryable: true });
    const connect = new TimeoutError("connect timeout", { retryable: true });
    const { ctx, calls } = fakeContext([cut, connect], bytes);
    const target = memoryTarget();
    expect(await fetchBlob(ctx, repository, { digest, size: 5, target })).toBe("downloaded");
    expect(calls()).toBe(3);
    expect(Buffer.concat(target.written).equals(bytes)).toBe(true);
  });
});
