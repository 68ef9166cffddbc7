import { Readable } from "node:stream";
import { RegistryError, RegistryUnreachableError, TooManyRequestsError } from "@regatta/errors";
import { startServer, type TestServer } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  backoffDelay,
  parseRetryAfter,
  RATE_LIMITED_MIN_DELAY_MS,
  RetryBudget,
  rateLimitedDelay,
} from "./retry.js";
import { Transport } from "./transport.js";

let server: TestServer | undefined;
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
});

/** A server answering the scripted statuses in turn (then 200), with optional headers per answer. */
async function scripted(script: { status: number; headers?: Record<string, string> }[]) {
  server = await startServer((_req, res) => {
    const next = script.shift() ?? { status: 200 };
    res.writeHead(next.status, next.headers ?? {});
    res.end(next.status === 200 ? "done" : '{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}');
  });
  return server;
}

function make(options: { now?: () => number } = {}) {
  const sleeps: number[] = [];
  const lines: string[] = [];
  transport = new Transport({
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    logger: (l) => lines.push(l),
    ...options,
  });
  return { t: transport, sleeps, lines };
}

describe("parseRetryAfter and backoffDelay", () => {
  it.each([
    ["3", 3000],
    [" 0 ", 0],
    ["Thu, 01 Jan 1970 00:00:10 GMT", 7000],
    ["Thu, 01 Jan 1970 00:00:01 GMT", 0],
    ["soon", undefined],
    [undefined, undefined],
  ])("Retry-After %s → %s ms", (value, ms) => {
    expect(parseRetryAfter(value, 3000)).toBe(ms);
  });
  it("full jitter stays within min(cap, base·2^n)", () => {
    expect(backoffDelay(0, 200, 5000, () => 1)).toBe(200);
    expect(backoffDelay(3, 200, 5000, () => 1)).toBe(1600);
    expect(backoffDelay(10, 200, 5000, () => 1)).toBe(5000);
    expect(backoffDelay(10, 200, 5000, () => 0)).toBe(0);
  });
});

describe("retry concern", () => {
  it("retries 503 and 429 with backoff, honouring Retry-After in seconds and as a date", async () => {
    const s = await scripted([
      { status: 503 },
      { status: 429, headers: { "retry-after": "2" } },
      { status: 502, headers: { "retry-after": new Date(10_000).toUTCString() } },
    ]);
    const { t, sleeps, lines } = make({ now: () => 4000 });
    const res = await t.request({ registry: s.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("done");
    expect(sleeps).toEqual([100, 2000, 6000]); // 0.5 · 200·2^0, then the server's word
    expect(s.requests).toHaveLength(4);
    // Each retry line names the hop it retries, as the hop's own lines do.
    expect(lines.filter((l) => l.includes("~ retry"))).toEqual([
      "[#1] ~ retry 1/3 in 100ms: 503 Service Unavailable",
      "[#2] ~ retry 2/3 in 2000ms: 429 Too Many Requests",
      "[#3] ~ retry 3/3 in 6000ms: 502 Bad Gateway",
    ]);
  });

  it("gives up after the configured attempts with a retryable RegistryError", async () => {
    const s = await scripted([
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 503 },
    ]);
    const { t, sleeps } = make();
    const err = await t
      .request({ registry: s.host, method: "HEAD", path: "/v2/x/blobs/y", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(s.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it("does not wait for a Retry-After beyond the cap: the 429 is reported", async () => {
    const s = await scripted([{ status: 429, headers: { "retry-after": "3600" } }]);
    const { t, sleeps } = make();
    const err = await t
      .request({ registry: s.host, method: "GET", path: "/v2/", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TooManyRequestsError);
    expect(sleeps).toEqual([]);
  });

  it("never retries a POST or a PATCH", async () => {
    for (const method of ["POST", "PATCH"]) {
      const s = await scripted([{ status: 503 }]);
      const { t, sleeps } = make();
      await expect(
        t.request({ registry: s.host, method, path: "/v2/a/blobs/uploads/", scopes: [] }),
      ).rejects.toThrow(/503/);
      expect(s.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
      await t.close();
      await s.close();
    }
  });

  it("never retries a PUT whose body is a one-shot stream, but does retry a replayable one", async () => {
    const s = await scripted([{ status: 500 }, { status: 500 }]);
    const { t } = make();
    const oneShot = t.request({
      registry: s.host,
      method: "PUT",
      path: "/v2/a/manifests/x",
      body: Readable.from(["{}"]),
      scopes: [],
    });
    await expect(oneShot).rejects.toThrow(/500/);
    expect(s.requests).toHaveLength(1);
    const res = await t.request({
      registry: s.host,
      method: "PUT",
      path: "/v2/a/manifests/x",
      body: () => Readable.from(["{}"]),
      scopes: [],
    });
    expect(res.status).toBe(200);
    await res.dump();
    expect(s.requests).toHaveLength(3);
  });

  it("retries a GET after the server resets the connection", async () => {
    let first = true;
    server = await startServer((req, res) => {
      if (first) {
        first = false;
        return void req.socket.destroy();
      }
      res.end("ok");
    });
    const { t, sleeps } = make();
    const res = await t.request({ registry: server.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("ok");
    expect(sleeps).toHaveLength(1);
  });

  it("retries a refused connection only once, then reports it", async () => {
    const s = await startServer((_req, res) => void res.end());
    const host = s.host;
    await s.close();
    const { t, sleeps } = make();
    const err = await t.request({ registry: host, method: "GET", path: "/v2/", scopes: [] }).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toBe(`cannot reach registry ${host}: connection refused (GET http://${host}/v2/)`);
    expect(sleeps).toHaveLength(1);
  });

  it("retries a GET whose connection is cut half-way through the body (read inside the attempt)", async () => {
    let first = true;
    server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "40" });
      if (first) {
        first = false;
        res.write('{"name":"a","tags":['); // 20 of 40 bytes, then the connection drops
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      res.end('{"name":"a","tags":["1","2","3","4567"]}');
    });
    const { t, sleeps } = make();
    const res = await t.request({
      registry: server.host,
      method: "GET",
      path: "/v2/a/tags/list",
      scopes: [],
    });
    expect(await res.json()).toEqual({ name: "a", tags: ["1", "2", "3", "4567"] });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it("a 429 without Retry-After backs off for at least a second, doubling, instead of hammering", async () => {
    const s = await scripted([{ status: 429 }, { status: 429 }, { status: 503 }]);
    const { t, sleeps } = make();
    const r = await t.request({ registry: s.host, method: "GET", path: "/v2/", scopes: [] });
    await r.dump();
    // random() = 0.5: 1 s + 0.5 s, then 2 s + 1 s; a 503 keeps the ordinary full jitter (0.5 · 200·2^2).
    expect(sleeps).toEqual([1500, 3000, 400]);
    expect(rateLimitedDelay(0, 5000, () => 0)).toBe(RATE_LIMITED_MIN_DELAY_MS);
    expect(rateLimitedDelay(5, 5000, () => 0)).toBe(5000);
  });

  it("the request deadline is per attempt: a Retry-After wait between attempts does not count against it", async () => {
    const s = await scripted([{ status: 429, headers: { "retry-after": "1" } }]);
    transport = new Transport({ timeouts: { request: 600 } }); // real sleeps: the wait outlasts one deadline
    const started = performance.now();
    const res = await transport.request({ registry: s.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("done");
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.requests).toHaveLength(2);
  });

  it("one budget for a whole operation: the requests sharing it get `limit` retries between them", async () => {
    const s = await scripted([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const { t, sleeps } = make();
    const budget = new RetryBudget(2);
    const get = () =>
      t.request({ registry: s.host, method: "GET", path: "/v2/", scopes: [], retryBudget: budget });
    const first = await get().catch((e) => e);
    expect(first).toBeInstanceOf(RegistryError); // 503, 503, 503: two retries, then the budget is spent
    const second = await get(); // the next request of the operation gets no retry, but this answer is fine
    await second.dump();
    expect(second.status).toBe(200);
    expect(sleeps).toHaveLength(2);
    expect(budget.used).toBe(2);
    expect(budget.take()).toBe(false);
  });
});
