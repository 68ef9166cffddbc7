import { AbortError, RegistryUnreachableError, TimeoutError } from "@regatta/errors";
import { FakeAuthenticator, readRequest } from "@regatta/testkit";
import { Agent } from "undici";
import { describe, expect, it } from "vitest";
import type { RegistryResponse } from "./response.js";
import { abortSoon, testbed, trickle } from "./test-helpers.js";

const { serve, make } = testbed({ sleep: async () => {} });

/** A server answering each request with the next scripted status (then 200). */
async function scripted(statuses: number[]) {
  return serve((req, res) => {
    req.resume();
    res.statusCode = statuses.shift() ?? 200;
    res.end(`answer ${res.statusCode}`);
  });
}

describe("the exchange", () => {
  it("a request may be declared idempotent, or not, whatever its method", async () => {
    const post = await scripted([503]);
    const res = await make().request({ registry: post.host, method: "POST", idempotent: true, scopes: [] });
    expect(res.status).toBe(200);
    await res.dump();
    expect(post.requests).toHaveLength(2);
    const put = await scripted([503]);
    const err = await make()
      .request({ registry: put.host, method: "PUT", idempotent: false, scopes: [] })
      .catch((e) => e);
    expect(err.status).toBe(503);
    expect(put.requests).toHaveLength(1);
  });

  it("a body given as a stream factory streams: no request deadline while it goes out", async () => {
    const s = await serve(async (req, res) => {
      await readRequest(req);
      res.statusCode = 201;
      res.end();
    });
    const slowly = () => trickle();
    const res = await make({ timeouts: { request: 60 } }).request({
      registry: s.host,
      method: "PUT",
      body: slowly,
      scopes: [],
    });
    expect(res.status).toBe(201);
    await res.dump();
    // Declared otherwise, the same body is held to the deadline.
    const err = await make({ timeouts: { request: 60 }, retry: { attempts: 0 } })
      .request({ registry: s.host, method: "PUT", body: slowly, streaming: false, scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("hands each discarded answer to onDiscard as a RegistryResponse the caller can read", async () => {
    const s = await scripted([503, 502]);
    const seen: { status: number; text: string }[] = [];
    const onDiscard = async (r: RegistryResponse) =>
      void seen.push({ status: r.status, text: await r.text() });
    const res = await make().request({ registry: s.host, method: "GET", scopes: [], onDiscard });
    await res.dump();
    expect(seen).toEqual([
      { status: 503, text: "answer 503" },
      { status: 502, text: "answer 502" },
    ]);
  });

  it("a streamed body that stalls fails with the idle timeout, named", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("x"); // and then nothing
    });
    const res = await make({ timeouts: { idle: 150 } }).request({
      registry: s.host,
      method: "GET",
      path: "/v2/a/blobs/x",
      scopes: [],
      streaming: true,
    });
    const err = await res.text().catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toBe(
      `idle timeout (150 ms): ${s.host} stopped sending (GET http://${s.host}/v2/a/blobs/x)`,
    );
  });

  it("an injected dispatcher is held to the idle timeout too (it is set on every request)", async () => {
    const s = await serve(() => {}); // never answers
    const agent = new Agent(); // undici's own defaults: minutes
    const err = await make({ dispatcher: agent, timeouts: { idle: 150 }, retry: { attempts: 0 } })
      .request({ registry: s.host, method: "GET", scopes: [] })
      .catch((e) => e);
    await agent.destroy();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(/^idle timeout \(150 ms\) waiting for response headers/);
  });

  it("a discarded answer is released: on one connection, the retry is not stuck behind its body", async () => {
    let first = true;
    const s = await serve((_req, res) => {
      if (first) {
        first = false;
        res.writeHead(503, { "content-length": String(4 * 1024 * 1024) });
        return void res.write(Buffer.alloc(1024 * 1024)); // more than is ever read of an error, the rest never sent
      }
      res.end("ok");
    });
    const started = performance.now();
    const res = await make({ connections: 1, timeouts: { idle: 5000 } }).request({
      registry: s.host,
      method: "GET",
      scopes: [],
    });
    expect(await res.text()).toBe("ok");
    // Not after the idle timeout freed the connection: at once.
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it("uses at most 8 connections per registry by default", async () => {
    const sockets = new Set<unknown>();
    const s = await serve((req, res) => {
      sockets.add(req.socket);
      setTimeout(() => res.end(), 100);
    });
    const t = make();
    await Promise.all(
      Array.from({ length: 10 }, async () =>
        (await t.request({ registry: s.host, method: "GET", scopes: [] })).dump(),
      ),
    );
    expect(sockets.size).toBe(8);
  });
});

describe("pings", () => {
  it("a 200 teaches no challenge, to the authenticator in place or to one set later", async () => {
    const s = await serve((_req, res) => void res.end());
    const now = new FakeAuthenticator(undefined);
    const t = make({ authenticator: now });
    expect(await t.ping(s.host)).toEqual({ status: 200 });
    const later = new FakeAuthenticator(undefined);
    t.setAuthenticator(later);
    expect(now.learnt).toEqual([]);
    expect(later.learnt).toEqual([]);
  });
});

describe("token requests", () => {
  it("carry the method, headers and body; fail typed, named as a token request", async () => {
    const s = await serve(async (req, res) => {
      res.setHeader("x-body", (await readRequest(req)).toString());
      res.setHeader("x-ct", req.headers["content-type"] ?? "");
      res.end("{}");
    });
    const t = make({ retry: { attempts: 0 } });
    const ok = await t.authSend({
      method: "POST",
      url: `${s.origin}/token`,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=password",
    });
    expect(ok.headers["x-body"]).toBe("grant_type=password");
    expect(ok.headers["x-ct"]).toBe("application/x-www-form-urlencoded");
    await s.close();
    const err = await t
      .authSend({ method: "GET", url: `${s.origin}/token?service=x`, headers: {} })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toBe(
      `token request: cannot reach token endpoint ${s.host}: connection refused (GET ${s.origin}/token?service=x)`,
    );
  });

  it("read at most 64 KiB of a token response, and say which body was too large", async () => {
    const s = await serve((_req, res) => void res.end("t".repeat(64 * 1024 + 1)));
    const t = make();
    const err = await t.authSend({ method: "GET", url: `${s.origin}/token`, headers: {} }).catch((e) => e);
    expect(err.message).toBe(`token response from ${s.origin}/token is larger than 65536 bytes`);
    const fits = await serve((_req, res) => void res.end("é".repeat(100)));
    expect((await t.authSend({ method: "GET", url: `${fits.origin}/token`, headers: {} })).body).toBe(
      "é".repeat(100),
    );
  });

  it("honour the caller's signal", async () => {
    const s = await serve(() => {}); // never answers
    const err = await make()
      .authSend({ method: "GET", url: `${s.origin}/token`, headers: {}, signal: abortSoon() })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe(`token request: aborted (GET ${s.origin}/token)`);
  });
});
