/**
 * The verbose log (log.ts) on its own, with the clock injected: the exact line for a request leaving, its answer and
 * a failure, sizes as people read them, and every line scrubbed of the client's secrets before it leaves.
 */
import { Readable } from "node:stream";
import { SecretSet } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { Handler, RawResponse } from "./exchange.js";
import { formatBytes, logging, scrubbing, statusLine } from "./log.js";
import { testExchange } from "./test-helpers.js";

const exchange = testExchange({
  url: new URL("https://user:pw@reg.example/v2/a/blobs/x?X-Amz-Signature=s3cr3t&n=1"),
  headers: { authorization: "Bearer secret-token" },
});
const answer = (status: number, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers,
  url: "u",
  body: Readable.from([]),
});
/** A clock that moves 12.4 ms between reads. */
function clock() {
  let t = 1000;
  return () => {
    const now = t;
    t += 12.4;
    return now;
  };
}
async function log(next: Handler) {
  const lines: string[] = [];
  const result = await logging((l) => lines.push(l), clock())(next)(exchange).catch((e: unknown) => e);
  return { lines, result };
}

describe("formatBytes and statusLine", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [1024 * 1024 - 1, "1024.0 KiB"],
    [1024 * 1024, "1.0 MiB"],
    [3.25 * 1024 ** 3, "3.3 GiB"],
    [2 * 1024 ** 4, "2.0 TiB"],
    [5 * 1024 ** 5, "5120.0 TiB"],
  ])("%d → %s", (bytes, shown) => {
    expect(formatBytes(bytes)).toBe(shown);
  });

  it("names the status when it has a name", () => {
    expect(statusLine(404)).toBe("404 Not Found");
    expect(statusLine(799)).toBe("799");
  });
});

describe("logging", () => {
  it("no logger: the next handler itself", () => {
    const next: Handler = async () => answer(200);
    expect(logging(undefined, Date.now)(next)).toBe(next);
  });

  it("one line out (method and redacted URL, never headers), one back (status, time, size)", async () => {
    const { lines } = await log(async () => answer(200, { "content-length": "4608" }));
    expect(lines).toEqual([
      "[#1] > GET https://reg.example/v2/a/blobs/x?X-Amz-Signature=REDACTED&n=1",
      "[#1] < 200 OK 12ms 4.5 KiB",
    ]);
  });

  it("leaves the size out when the length is absent or not a number", async () => {
    for (const headers of [
      {},
      { "content-length": "12abc" },
      { "content-length": "abc12" },
      { "content-length": "" },
    ]) {
      const { lines } = await log(async () => answer(204, headers));
      expect(lines[1]).toBe("[#1] < 204 No Content 12ms");
    }
  });

  it("a failure is logged with the time it took and its message, and rethrown", async () => {
    const failure = new Error("connection reset");
    const { lines, result } = await log(async () => {
      throw failure;
    });
    expect(result).toBe(failure);
    expect(lines[1]).toBe(
      "[#1] ! GET https://reg.example/v2/a/blobs/x?X-Amz-Signature=REDACTED&n=1 failed after 12ms: connection reset",
    );
    const odd = await log(async () => {
      throw "a string";
    });
    expect(odd.lines[1]).toMatch(/failed after 12ms: a string$/);
  });
});

describe("labels", () => {
  it("count the hops of one log in the order they leave; another log counts its own", async () => {
    const lines: string[] = [];
    const one = logging((l) => lines.push(`one ${l}`), clock())(async () => answer(200));
    const other = logging((l) => lines.push(`other ${l}`), clock())(async () => answer(204));
    await one(exchange);
    await other(exchange);
    await one(exchange);
    expect(lines.map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual([
      "one [#1] >",
      "one [#1] <",
      "other [#1] >",
      "other [#1] <",
      "one [#2] >",
      "one [#2] <",
    ]);
  });
});

describe("scrubbing", () => {
  it("passes every line through the secret scrubber; no logger stays none", () => {
    const lines: string[] = [];
    const secrets = new SecretSet().add("hunter2-pass");
    scrubbing((l) => lines.push(l), secrets)?.("~ redirect to https://x/?p=hunter2-pass");
    expect(lines).toEqual(["~ redirect to https://x/?p=REDACTED"]);
    expect(scrubbing(undefined, secrets)).toBeUndefined();
  });
});
