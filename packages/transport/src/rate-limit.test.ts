/**
 * The request-rate concern (rate-limit.ts) with the clock and the sleep injected: no test here waits for real time,
 * so none can flake on a busy machine.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Exchange, RawResponse } from "./exchange.js";
import { rateLimiting } from "./rate-limit.js";
import { testbed, testExchange } from "./test-helpers.js";

/**
 * A limiter over a fake clock, and the lists of sleeps and of requests sent. With `advance` (the default) a sleep
 * moves the clock on as it is asked for; without it the clock stands still, as for requests that all arrive at once.
 */
function setup(rates: Record<string, number>, advance = true) {
  const clock = { now: 0 };
  const sleeps: number[] = [];
  const sent: string[] = [];
  const handler = rateLimiting({
    rates: new Map(Object.entries(rates)),
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      if (advance) clock.now += ms;
    },
  })(async (exchange: Exchange): Promise<RawResponse> => {
    sent.push(`${clock.now} ${exchange.url.href}`);
    return { status: 200, headers: {}, url: exchange.url.href, body: Readable.from([]) };
  });
  const get = (url: string, signal?: AbortSignal) =>
    handler(testExchange({ url: new URL(url), ...(signal ? { signal } : {}) }));
  return { clock, sleeps, sent, get };
}

describe("rateLimiting", () => {
  it("spaces requests to a limited origin 1000/rate ms apart, whatever their path", async () => {
    const { sleeps, sent, get } = setup({ "https://reg.example": 2 });
    await get("https://reg.example/v2/");
    await get("https://reg.example/v2/a/tags/list");
    await get("https://reg.example/v2/b/manifests/1");
    expect(sleeps).toEqual([500, 500]);
    expect(sent).toEqual([
      "0 https://reg.example/v2/",
      "500 https://reg.example/v2/a/tags/list",
      "1000 https://reg.example/v2/b/manifests/1",
    ]);
  });

  it("queues concurrent requests in the order they came, each a turn later", async () => {
    const { sleeps, get } = setup({ "https://reg.example": 4 }, false);
    await Promise.all([1, 2, 3, 4].map((n) => get(`https://reg.example/v2/${n}`)));
    // All four asked at 0 ms: the first goes at once, the others wait for 250, 500 and 750 ms.
    expect(sleeps).toEqual([250, 500, 750]);
  });

  it("saves up no burst over a quiet spell, and takes fractions of a request a second", async () => {
    const { clock, sleeps, get } = setup({ "https://slow.example": 0.5 });
    await get("https://slow.example/v2/");
    clock.now = 60_000;
    await get("https://slow.example/v2/");
    await get("https://slow.example/v2/");
    expect(sleeps).toEqual([2000]);
  });

  it("limits each origin on its own and leaves the others alone", async () => {
    const { sleeps, sent, get } = setup({ "https://a.example": 1, "https://b.example:5000": 10 });
    await get("https://a.example/v2/");
    await get("https://b.example:5000/v2/");
    await get("https://b.example:5000/v2/");
    await get("https://cdn.example/blob");
    await get("https://cdn.example/blob");
    await get("https://a.example/v2/");
    expect(sleeps).toEqual([100, 900]);
    expect(sent.map((line) => line.split(" ")[0])).toEqual(["0", "0", "100", "100", "100", "1000"]);
  });

  it("with no rates is the next concern itself", () => {
    const next = async (): Promise<RawResponse> => {
      throw new Error("unused");
    };
    expect(rateLimiting({ rates: new Map(), now: () => 0, sleep: async () => {} })(next)).toBe(next);
  });

  it("a caller aborting while it waits fails with the signal's reason and sends nothing", async () => {
    const sent: string[] = [];
    const handler = rateLimiting({
      rates: new Map([["https://reg.example", 1]]),
      now: () => 0,
      sleep: () => new Promise(() => {}),
    })(async (exchange) => {
      sent.push(exchange.url.href);
      return { status: 200, headers: {}, url: exchange.url.href, body: Readable.from([]) };
    });
    await handler(testExchange());
    const controller = new AbortController();
    const waiting = handler(testExchange({ signal: controller.signal }));
    const reason = new Error("Ctrl-C");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(sent).toEqual(["https://reg.example/v2/"]);
  });
});

describe("a host's requestRate in the transport", () => {
  const { serve, make } = testbed();

  it("spaces the requests to that registry, its ping included, and no other's", async () => {
    const limited = await serve((_req, res) => void res.end());
    const free = await serve((_req, res) => void res.end());
    const clock = { now: 0 };
    const sleeps: number[] = [];
    const transport = make({
      hosts: { [limited.host]: { requestRate: 5 } },
      now: () => clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.now += ms;
      },
    });
    await transport.ping(limited.host);
    for (const registry of [limited.host, free.host, free.host, limited.host]) {
      const response = await transport.request({ registry, method: "GET", path: "/v2/x", scopes: [] });
      await response.dump();
    }
    expect(sleeps).toEqual([200, 200]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses a requestRate of %s", (rate) => {
    expect(() => make({ hosts: { "reg.example": { requestRate: rate } } })).toThrow(
      `hosts["reg.example"].requestRate must be a positive number of requests a second, not ${rate}`,
    );
  });
});
