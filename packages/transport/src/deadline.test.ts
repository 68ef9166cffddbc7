/**
 * The request deadline concern on its own (timeouts.ts): none when 0, none for streaming requests, a TimeoutError
 * naming the request and the caller's context when it fires, and the caller's own signal still heard.
 */
import { Readable } from "node:stream";
import { TimeoutError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { Handler, RawResponse } from "./exchange.js";
import { testExchange } from "./test-helpers.js";
import { deadline } from "./timeouts.js";

const exchange = testExchange({
  method: "get",
  url: new URL("https://reg.example/v2/a/tags/list?token=s3cr3t"),
});
const raw: RawResponse = { status: 200, headers: {}, url: "u", body: Readable.from([]) };
/** A handler that never answers, failing with its signal's reason when that fires. */
const hanging: Handler = (ex) =>
  new Promise((_, reject) => ex.signal?.addEventListener("abort", () => reject(ex.signal?.reason)));

describe("deadline", () => {
  it("0 means none: the next handler itself", () => {
    const next: Handler = async () => raw;
    expect(deadline(0)(next)).toBe(next);
  });

  it("fails a slow attempt with a TimeoutError naming the request, redacted, and the context", async () => {
    const err = await deadline(30)(hanging)({ ...exchange, context: "list tags a" }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toBe(
      "list tags a: request timeout (30 ms) (GET https://reg.example/v2/a/tags/list?token=REDACTED)",
    );
    expect(err.request).toEqual({ method: "GET", url: "https://reg.example/v2/a/tags/list?token=REDACTED" });
    expect(err.hint).toBe(
      "a small request (manifest, tags, token, upload open/close) took longer than --timeout (timeouts.request); raise it",
    );
    const bare = await deadline(30)(hanging)(exchange).catch((e) => e);
    expect(bare.summary).toBe(
      "request timeout (30 ms) (GET https://reg.example/v2/a/tags/list?token=REDACTED)",
    );
  });

  it("does not apply to a streaming request, which gets the caller's signal as it is", async () => {
    let seen: AbortSignal | undefined;
    const controller = new AbortController();
    const next: Handler = async (ex) => {
      seen = ex.signal;
      await new Promise((r) => setTimeout(r, 60));
      return raw;
    };
    expect(await deadline(20)(next)({ ...exchange, streaming: true, signal: controller.signal })).toBe(raw);
    expect(seen).toBe(controller.signal);
  });

  it("an attempt within the deadline is answered, and its timer does not fire later", async () => {
    let signal: AbortSignal | undefined;
    const next: Handler = async (ex) => {
      signal = ex.signal;
      return raw;
    };
    expect(await deadline(20)(next)(exchange)).toBe(raw);
    await new Promise((r) => setTimeout(r, 40));
    expect(signal?.aborted).toBe(false);
  });

  it("still hears the caller's signal", async () => {
    const controller = new AbortController();
    const pending = deadline(10_000)(hanging)({ ...exchange, signal: controller.signal });
    const reason = new Error("caller gave up");
    controller.abort(reason);
    expect(await pending.catch((e) => e)).toBe(reason);
  });
});
