/**
 * body.ts: every body read is capped and every unwanted body released, whatever the server sends (issue 10: a
 * hostile registry cannot exhaust memory, and a connection is never left waiting for an idle timeout).
 */
import { Readable } from "node:stream";
import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  bufferedBody,
  DEFAULT_BODY_LIMIT,
  dumpBody,
  ERROR_BODY_LIMIT,
  readBody,
  readErrorBody,
} from "./body.js";

/** A body that sends `chunks` and then never ends (a server that keeps the response open). */
function endless(...chunks: Buffer[]): Readable {
  const stream = new Readable({ read() {} });
  for (const chunk of chunks) stream.push(chunk);
  return stream;
}

/** A body that sends `chunks` and then fails with `err` (a reset half-way). */
function failing(err: Error, ...chunks: (Buffer | string)[]): Readable {
  return Readable.from(
    (async function* () {
      yield* chunks;
      throw err;
    })(),
  );
}

describe("readBody", () => {
  it("reads a body of exactly the limit; one byte more is a ProtocolError naming what was read", async () => {
    const exact = await readBody(Readable.from([Buffer.alloc(6, 1), Buffer.alloc(4, 2)]), 10);
    expect([...exact]).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    const over = Readable.from([Buffer.alloc(6), Buffer.alloc(5)]);
    const err = await readBody(over, 10, undefined, "manifest of x").catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toBe("manifest of x is larger than 10 bytes");
    const unnamed = await readBody(Readable.from([Buffer.alloc(11)]), 10).catch((e) => e);
    expect(unnamed.message).toBe("response body is larger than 10 bytes");
  });

  it("stops a body that goes on past the limit and destroys it, instead of waiting for its end", async () => {
    const body = endless(Buffer.alloc(8), Buffer.alloc(8));
    await expect(readBody(body, 10)).rejects.toBeInstanceOf(ProtocolError);
    expect(body.destroyed).toBe(true);
  });

  it("counts text chunks in bytes", async () => {
    const text = await readBody(Readable.from(["é", "a"]), 3);
    expect(text.toString("utf8")).toBe("éa");
    await expect(readBody(Readable.from(["éé"]), 3)).rejects.toBeInstanceOf(ProtocolError);
  });

  it("passes stream errors through mapError, but never its own limit error", async () => {
    const reset = new Error("socket hang up");
    const mapped = new Error("mapped");
    expect(await readBody(failing(reset, Buffer.alloc(1)), 10, () => mapped).catch((e) => e)).toBe(mapped);
    // without a mapper the stream's own error comes out unchanged
    expect(await readBody(failing(reset), 10).catch((e) => e)).toBe(reset);
    const limit = await readBody(Readable.from([Buffer.alloc(11)]), 10, () => mapped).catch((e) => e);
    expect(limit).toBeInstanceOf(ProtocolError);
  });

  it("has the documented caps", () => {
    expect(ERROR_BODY_LIMIT).toBe(64 * 1024);
    expect(DEFAULT_BODY_LIMIT).toBe(4 * 1024 * 1024);
  });
});

describe("readErrorBody", () => {
  it("keeps at most the limit, cut inside the chunk that crosses it, as UTF-8 text", async () => {
    const text = await readErrorBody(
      Readable.from([Buffer.from("abc"), Buffer.from("defgh"), "ijk"]),
      undefined,
      5,
    );
    expect(text).toBe("abcde");
    expect(await readErrorBody(Readable.from(["ab", "cd"]), undefined, 10)).toBe("abcd");
  });

  it("caps at 64 KiB by default", async () => {
    const text = await readErrorBody(Readable.from([Buffer.alloc(ERROR_BODY_LIMIT + 10, 0x61)]));
    expect(text.length).toBe(ERROR_BODY_LIMIT);
  });

  it("returns at the limit without waiting for a body that never ends", async () => {
    const body = endless(Buffer.from("12345"));
    expect(await readErrorBody(body, undefined, 5)).toBe("12345");
    expect(body.destroyed).toBe(true);
  });

  it("never throws: a reset half-way gives what was read", async () => {
    expect(await readErrorBody(failing(new Error("reset"), "partial "))).toBe("partial ");
  });
});

describe("dumpBody", () => {
  it("an undici body is dumped (a small remainder read so the socket is reused), not destroyed", async () => {
    const body = Readable.from(["x"]) as Readable & { dump?: (o?: { limit?: number }) => Promise<void> };
    const calls: unknown[] = [];
    body.dump = async (opts) => void calls.push(opts);
    await dumpBody(body);
    expect(calls).toEqual([{ limit: ERROR_BODY_LIMIT }]);
    expect(body.destroyed).toBe(false);
  });

  it("any other stream is destroyed", async () => {
    const body = endless(Buffer.from("x"));
    await dumpBody(body);
    expect(body.destroyed).toBe(true);
  });

  it("is best effort: a dump that fails is swallowed", async () => {
    const body = Readable.from(["x"]) as Readable & { dump?: () => Promise<void> };
    body.dump = () => Promise.reject(new Error("gone"));
    await expect(dumpBody(body)).resolves.toBeUndefined();
  });
});

describe("bufferedBody", () => {
  it("stands in for a body already read, with the same bytes", async () => {
    expect((await readBody(bufferedBody("déjà lu"), 100)).toString("utf8")).toBe("déjà lu");
  });
});
