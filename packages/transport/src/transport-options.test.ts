/**
 * The defaults a Transport fills in when its options leave them out (types.ts): five redirects, three retries with
 * a 200 ms base and a 5 s cap, Retry-After honoured up to 60 s, `Date.now`, `Math.random` and a real timer, and the
 * order its concerns are composed in (transport.ts), as a request sees them.
 */

import { FakeAuthenticator } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { testbed } from "./test-helpers.js";

const { serve, make } = testbed();

/** A server that answers each request with the next scripted status (then 200). */
async function scripted(statuses: { status: number; headers?: Record<string, string> }[]) {
  return serve((_req, res) => {
    const next = statuses.shift() ?? { status: 200 };
    res.writeHead(next.status, next.headers ?? {});
    res.end();
  });
}

describe("defaults", () => {
  it("follows five redirects, not six", async () => {
    const s = await serve((req, res) => {
      const hop = Number(req.url?.split("/").pop());
      res.writeHead(302, { location: `/v2/${hop + 1}` });
      res.end();
    });
    const err = await make()
      .request({ registry: s.host, method: "GET", path: "/v2/0", scopes: [] })
      .catch((e) => e);
    expect(err.message).toMatch(/too many redirects \(more than 5\)/);
    expect(s.requests).toHaveLength(6);
  });

  it("three retries, 200 ms base doubling, 5 s cap", async () => {
    const sleeps: number[] = [];
    const s = await scripted([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    const err = await make({ sleep: async (ms) => void sleeps.push(ms), random: () => 1 })
      .request({ registry: s.host, method: "GET", scopes: [] })
      .catch((e) => e);
    expect(err.status).toBe(503);
    expect(sleeps).toEqual([200, 400, 800]);
    const capped: number[] = [];
    const c = await scripted([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    await make({ sleep: async (ms) => void capped.push(ms), random: () => 1, retry: { baseDelayMs: 2000 } })
      .request({ registry: c.host, method: "GET", scopes: [] })
      .catch((e) => e);
    expect(capped).toEqual([2000, 4000, 5000]);
  });

  it("honours a Retry-After of 60 s, not 61 s", async () => {
    const sleeps: number[] = [];
    const s = await scripted([
      { status: 503, headers: { "retry-after": "60" } },
      { status: 503, headers: { "retry-after": "61" } },
    ]);
    const err = await make({ sleep: async (ms) => void sleeps.push(ms) })
      .request({ registry: s.host, method: "GET", scopes: [] })
      .catch((e) => e);
    expect(err.status).toBe(503);
    expect(sleeps).toEqual([60_000]);
  });

  it("reads a Retry-After date against the real clock", async () => {
    const sleeps: number[] = [];
    const at = new Date(Date.now() + 30_000).toUTCString();
    const s = await scripted([{ status: 503, headers: { "retry-after": at } }]);
    await (
      await make({ sleep: async (ms) => void sleeps.push(ms) }).request({
        registry: s.host,
        method: "GET",
        scopes: [],
      })
    ).dump();
    expect(sleeps[0]).toBeGreaterThan(25_000);
    expect(sleeps[0]).toBeLessThanOrEqual(30_000);
  });

  it("draws the jitter from Math.random and waits on a real timer", async () => {
    const s = await scripted([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const lines: string[] = [];
    const started = performance.now();
    const res = await make({ retry: { baseDelayMs: 40 }, logger: (l) => lines.push(l) }).request({
      registry: s.host,
      method: "GET",
      scopes: [],
    });
    await res.dump();
    const waits = lines.filter((l) => l.includes("~ retry")).map((l) => Number(/in (\d+)ms/.exec(l)?.[1]));
    expect(waits).toHaveLength(3);
    for (const [i, w] of waits.entries()) expect(w).toBeLessThanOrEqual(40 * 2 ** i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(waits.reduce((a, b) => a + b, 0) - 5);
  });

  it("the log sits under the retries: each attempt is its own hop in the log, the retry line between", async () => {
    const s = await scripted([{ status: 502 }]);
    const lines: string[] = [];
    const res = await make({ sleep: async () => {}, logger: (l) => lines.push(l) }).request({
      registry: s.host,
      method: "GET",
      scopes: [],
    });
    await res.dump();
    // A hop's lines carry its label (log.ts), and the retry line the label of the hop it retries.
    expect(lines.map((l) => l.replace(/^\[#\d+\] /, "").split(" ")[0])).toEqual([">", "<", "~", ">", "<"]);
    expect(lines.map((l) => /^\[#\d+\]/.exec(l)?.[0])).toEqual(["[#1]", "[#1]", "[#1]", "[#2]", "[#2]"]);
  });
});

describe("the order of the concerns", () => {
  it("auth sits above retry: one challenge is answered once, however many attempts the retries take", async () => {
    const statuses = [503, 401, 503, 200];
    const s = await serve((req, res) => {
      const status = statuses.shift() ?? 200;
      if (status === 401) res.setHeader("www-authenticate", 'Bearer realm="http://127.0.0.1/t"');
      res.statusCode = status;
      res.end(req.headers.authorization ?? "none");
    });
    const auth = new FakeAuthenticator(undefined, ["Bearer new"]);
    const res = await make({ authenticator: auth, sleep: async () => {} }).request({
      registry: s.host,
      method: "GET",
      scopes: [],
    });
    expect(await res.text()).toBe("Bearer new");
    expect(auth.challenges).toHaveLength(1);
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([
      undefined,
      undefined,
      "Bearer new",
      "Bearer new",
    ]);
  });

  it("status errors sit above auth: a 401 answered with a new token is not an error", async () => {
    const s = await serve((req, res) => {
      if (req.headers.authorization) return void res.end("in");
      res.writeHead(401, { "www-authenticate": 'Bearer realm="http://127.0.0.1/t"' });
      res.end();
    });
    const res = await make({ authenticator: new FakeAuthenticator(undefined, ["Bearer t"]) }).request({
      registry: s.host,
      method: "GET",
      scopes: [],
    });
    expect(await res.text()).toBe("in");
  });

  it("the deadline is per attempt and covers the redirects of that attempt", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/v2/") {
        res.writeHead(302, { location: "/v2/slow" });
        return void res.end();
      }
      setTimeout(() => res.end("late"), 150);
    });
    const err = await make({ timeouts: { request: 100 }, retry: { attempts: 0 } })
      .request({ registry: s.host, method: "GET", scopes: [] })
      .catch((e) => e);
    expect(err.name).toBe("TimeoutError");
    expect(err.summary).toBe(`request timeout (100 ms) (GET http://${s.host}/v2/)`);
  });
});
