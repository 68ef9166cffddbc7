/**
 * The bottom of the stack (send.ts): header names flattened, and a small request's body read inside the attempt up
 * to the right cap (4 MiB for an answer the caller expects, 64 KiB for one that becomes an error), so that a cut in
 * a manifest is retried and a huge error body cannot stall the error; what is past the cap still streams, and a
 * reader that stops early releases the connection.
 */
import { Readable } from "node:stream";
import { ProtocolError, RegistryError, RegistryUnreachableError, TimeoutError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { flattenHeaders } from "./send.js";
import { testbed } from "./test-helpers.js";

const KiB = 1024;
const { serve, make } = testbed({ retry: { attempts: 0 }, sleep: async () => {} });

describe("flattenHeaders", () => {
  it("lower-cases names, joins repeated values and skips absent ones", () => {
    expect(flattenHeaders({ "Content-Type": "a", "X-Multi": ["1", "2", "3"], Gone: undefined })).toEqual({
      "content-type": "a",
      "x-multi": "1, 2, 3",
    });
  });
});

describe("small bodies", () => {
  it("an expected answer cut past 64 KiB is cut inside the attempt, so it is retried", async () => {
    const full = Buffer.alloc(100 * KiB, "m");
    let first = true;
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-length": String(full.length) });
      if (first) {
        first = false;
        res.write(full.subarray(0, 80 * KiB));
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      res.end(full);
    });
    const res = await make({ retry: { attempts: 2 } }).request({
      registry: s.host,
      method: "GET",
      scopes: [],
    });
    expect(Buffer.from(await res.bytes()).equals(full)).toBe(true);
    expect(s.requests).toHaveLength(2);
  });

  it("an error body is read only up to 64 KiB: a huge one that stalls still gives the status error", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(500, { "content-length": String(1024 * KiB) });
      res.write(Buffer.alloc(70 * KiB, "e")); // and then nothing
    });
    const started = performance.now();
    const err = await make({ timeouts: { idle: 3000 } })
      .request({ registry: s.host, method: "GET", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).not.toBeInstanceOf(TimeoutError);
    expect(err.status).toBe(500);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it("a body past 4 MiB streams on: a reader with a higher cap gets all of it, the default cap refuses it", async () => {
    const big = Buffer.alloc(4 * 1024 * KiB + 10, "b");
    const s = await serve((_req, res) => void res.end(big));
    const t = make();
    const whole = await t.request({ registry: s.host, method: "GET", scopes: [] });
    expect(Buffer.from(await whole.bytes(8 * 1024 * KiB)).equals(big)).toBe(true);
    const capped = await t.request({ registry: s.host, method: "GET", scopes: [] });
    const err = await capped.bytes().catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/larger than 4194304 bytes/);
  });

  it("a cut in the part past the buffer cap reaches the reader as a typed error", async () => {
    // The cut comes once the request has resolved, i.e. once the first 4 MiB are buffered: after a fixed pause it
    // fell inside them on a loaded machine, and the request itself failed.
    let cut = () => {};
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-length": String(6 * 1024 * KiB) });
      res.write(Buffer.alloc(4 * 1024 * KiB + 10 * KiB));
      cut = () => req.socket.destroy();
    });
    const res = await make().request({ registry: s.host, method: "GET", scopes: [] });
    cut();
    const err = await res.bytes(8 * 1024 * KiB).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
  });

  it("a reader that stops at its cap releases the connection for the next request", async () => {
    const big = Buffer.alloc(8 * 1024 * KiB, "b");
    const s = await serve((req, res) => void (req.url === "/big" ? res.end(big) : res.end("small")));
    const t = make({ connections: 1, timeouts: { idle: 5000 } });
    const capped = await t.request({ registry: s.host, method: "GET", path: "/big", scopes: [] });
    await expect(capped.bytes()).rejects.toBeInstanceOf(ProtocolError);
    const started = performance.now();
    const next = await t.request({ registry: s.host, method: "GET", path: "/small", scopes: [] });
    expect(await next.text()).toBe("small");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("an empty body reads as empty", async () => {
    const s = await serve((_req, res) => void res.end());
    const res = await make().request({ registry: s.host, method: "GET", scopes: [] });
    expect(await res.text()).toBe("");
  });
});

describe("request bodies", () => {
  it("a body sent in full and then no answer is a wait for headers, not a server that stopped reading", async () => {
    const s = await serve((req) => void req.resume()); // reads everything, never answers
    const err = await make({ timeouts: { idle: 200 } })
      .request({ registry: s.host, method: "PUT", body: Readable.from([Buffer.from("tiny")]), scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(/^idle timeout \(200 ms\) waiting for response headers from /);
  });
});

describe("connections", () => {
  it("HEADs keep their connection alive, as GETs do: ten HEADs in a row share one or two connections, not ten", async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-length": "3", "docker-content-digest": "sha256:x" });
      res.end(req.method === "HEAD" ? undefined : "abc");
    });
    let connections = 0;
    s.server.on("connection", () => connections++);
    const transport = make();
    for (let i = 0; i < 10; i++) {
      const res = await transport.request({
        registry: s.host,
        method: "HEAD",
        path: `/v2/a/manifests/${i}`,
        scopes: [],
      });
      expect(res.status).toBe(200);
    }
    expect(s.requests.map((r) => r.headers.connection)).toEqual(Array(10).fill("keep-alive"));
    // The next HEAD may start before undici has put the first connection back, so a second one can open.
    expect(connections).toBeLessThanOrEqual(2);
  });
});
