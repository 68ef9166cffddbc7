/**
 * The three timeouts against real sockets (issue 10, item 8): a server that stalls after some bytes, one that never
 * reads an upload body, one that accepts connections and says nothing, and bodies that keep moving for longer than
 * the request deadline. Short timeouts keep the file fast.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { Readable } from "node:stream";
import { TimeoutError, UsageError } from "@regatta/errors";
import { collect, readRequest, startServer, type TestHandler, type TestServer } from "@regatta/testkit";
import { errors, MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { resolveTimeouts } from "./timeouts.js";
import { Transport } from "./transport.js";
import type { TransportOptions } from "./types.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});
async function serve(handler: TestHandler): Promise<TestServer> {
  const s = await startServer(handler);
  cleanup.push(() => s.close());
  return s;
}
function make(options: TransportOptions): Transport {
  const t = new Transport(options);
  cleanup.push(() => t.close());
  return t;
}
/** A lazily generated body of `total` bytes in 1 MiB pieces (never held in memory at once). */
function bigBody(total: number): () => Readable {
  const piece = Buffer.alloc(1024 * 1024, 7);
  return () =>
    Readable.from(
      (function* () {
        for (let sent = 0; sent < total; sent += piece.length)
          yield piece.subarray(0, Math.min(piece.length, total - sent));
      })(),
    );
}

describe("resolveTimeouts", () => {
  it("fills in the defaults, takes the old `read` as `idle`, and refuses nonsense", () => {
    expect(resolveTimeouts()).toEqual({ connect: 10_000, idle: 30_000, request: 60_000 });
    expect(resolveTimeouts({ read: 5 })).toEqual({ connect: 10_000, idle: 5, request: 60_000 });
    expect(resolveTimeouts({ read: 5, idle: 7, request: 0 })).toMatchObject({ idle: 7, request: 0 });
    for (const bad of [{ connect: 0 }, { idle: -1 }, { request: Number.NaN }, { idle: Infinity }]) {
      expect(() => resolveTimeouts(bad)).toThrow(UsageError);
    }
  });
});

describe("idle timeout", () => {
  it("a blob body that stalls after some bytes fails within the idle timeout, and is not fetched again", async () => {
    const content = randomBytes(100_000);
    const digest = sha256(content);
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(content.length) });
      res.write(content.subarray(0, 10_000)); // and then nothing, the connection open
    });
    const t = make({ timeouts: { idle: 300 }, retry: { attempts: 3 } });
    const started = performance.now();
    const { stream } = await t.blob({ registry: s.host, repository: "a", digest, size: content.length });
    const err = await collect(stream).catch((e) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(
      /^blob sha256:\S+ from .*: idle timeout \(300 ms\): 127\.0\.0\.1:\d+ stopped sending/,
    );
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000); // loose: a loaded box; the one request below is what tells
    expect(s.requests).toHaveLength(1);
  });

  it("an upload the server stops reading fails within the idle timeout, and the session is cancelled", async () => {
    const s = await serve(async (req, res) => {
      if (req.method === "POST") {
        res.writeHead(202, { location: "/v2/r/blobs/uploads/1" });
        return void res.end();
      }
      if (req.method === "DELETE") {
        res.statusCode = 204;
        return void res.end();
      }
      req.pause(); // never reads the body, never answers
    });
    const t = make({ timeouts: { idle: 400 }, retry: { attempts: 3 } });
    const started = performance.now();
    const err = await t
      .upload({
        registry: s.host,
        repository: "r",
        source: bigBody(256 * 1024 * 1024),
        digest: sha256(Buffer.alloc(0)),
      })
      .catch((e) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(
      /idle timeout \(400 ms\): 127\.0\.0\.1:\d+ stopped reading the request body \(PUT /,
    );
    expect(elapsed).toBeLessThan(5000);
    expect(s.requests.map((r) => r.method)).toEqual(["POST", "PUT", "DELETE"]);
  });

  it("a server that accepts connections and never answers is given up on after one idle timeout, not four", async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as { port: number };
    const t = make({ timeouts: { idle: 300 }, retry: { attempts: 3 } });
    const started = performance.now();
    const err = await t.ping(`127.0.0.1:${port}`).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(sockets.size).toBe(1);
  });
});

describe("connect timeout", () => {
  it("is retried within the budget: a dead host is given up on after (retries + 1) connect attempts", async () => {
    const waits: number[] = [];
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get("http://127.0.0.1:9")
      .intercept({ path: "/v2/" })
      .replyWithError(new errors.ConnectTimeoutError())
      .times(3);
    cleanup.push(() => agent.close());
    const t = make({
      dispatcher: agent,
      retry: { attempts: 2 },
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
    });
    const err = await t.ping("127.0.0.1:9").catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(/^ping 127\.0\.0\.1:9: connect timeout \(10000 ms\) to 127\.0\.0\.1:9/);
    expect(waits).toEqual([200, 400]); // two retries after the first attempt, with backoff
    agent.assertNoPendingInterceptors(); // all three attempts were made
  });
});

describe("request deadline", () => {
  it("a small answer that keeps trickling is cut at the deadline, body included", async () => {
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      for (let i = 0; i < 20 && !res.destroyed; i++) {
        res.write(" ");
        await sleep(50);
      }
      res.end("{}");
    });
    const t = make({ timeouts: { idle: 1000, request: 300 }, retry: { attempts: 3 } });
    const started = performance.now();
    const err = await t
      .request({ registry: s.host, method: "GET", path: "/v2/x/tags/list", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toBe(`request timeout (300 ms) (GET http://${s.host}/v2/x/tags/list)`);
    expect(s.requests).toHaveLength(1); // a slow attempt is not a broken one: not retried
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("never applies to a blob body: a download that keeps moving for longer than the deadline succeeds", async () => {
    const content = randomBytes(10 * 1024);
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "content-length": String(content.length) });
      for (let i = 0; i < 10; i++) {
        res.write(content.subarray(i * 1024, (i + 1) * 1024));
        await sleep(50);
      }
      res.end();
    });
    const t = make({ timeouts: { idle: 2000, request: 150 } });
    const { stream } = await t.blob({ registry: s.host, repository: "a", digest: sha256(content) });
    expect((await collect(stream)).equals(content)).toBe(true);
  });

  it("never applies to an upload body: a source that trickles for longer than the deadline is uploaded", async () => {
    const content = randomBytes(10 * 1024);
    let received = Buffer.alloc(0);
    const s = await serve(async (req, res) => {
      if (req.method === "POST") {
        res.writeHead(202, { location: "/v2/r/blobs/uploads/1" });
        return void res.end();
      }
      received = await readRequest(req);
      res.writeHead(201, { location: `/v2/r/blobs/${sha256(received)}` });
      res.end();
    });
    const slowly = () =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < 10; i++) {
            await sleep(50);
            yield content.subarray(i * 1024, (i + 1) * 1024);
          }
        })(),
      );
    const t = make({ timeouts: { idle: 2000, request: 150 } });
    const result = await t.upload({
      registry: s.host,
      repository: "r",
      source: slowly,
      digest: sha256(content),
    });
    expect(result.digest).toBe(sha256(content));
    expect(received.equals(content)).toBe(true);
  });

  it("never applies to an upload body: a server that reads slowly but steadily gets the whole blob", async () => {
    // The server reads slowly for its first 1500 ms (three times the deadline), then at full speed, so the tail that
    // sits in the kernel's socket buffers (a few MiB on loopback, invisible to the client's idle clock) drains fast
    // even on a loaded machine: what is tested is the deadline, not how long a buffer takes to empty.
    const total = 8 * 1024 * 1024;
    let received = 0;
    const s = await serve(async (req, res) => {
      if (req.method === "POST") {
        res.writeHead(202, { location: "/v2/r/blobs/uploads/1" });
        return void res.end();
      }
      // Reads at 2 MiB/s for its first 1500 ms (3 MiB of the 8), paced by bytes rather than by chunks: on a quiet
      // machine the chunks are large, and a fixed pause per chunk read all 8 MiB in under 700 ms.
      const start = performance.now();
      for await (const chunk of req) {
        received += (chunk as Buffer).length;
        const now = performance.now();
        const due = start + (received / (2 * 1024 * 1024)) * 1000;
        if (now - start < 1500 && due > now) await sleep(Math.min(due, start + 1500) - now);
      }
      res.writeHead(201);
      res.end();
    });
    // 500 ms, not less: the POST that opens the session is a small request, held to it, on a loaded machine too.
    const t = make({ timeouts: { idle: 3000, request: 500 } });
    const body = bigBody(total);
    const started = performance.now();
    await t.upload({
      registry: s.host,
      repository: "r",
      source: body,
      size: total,
      verify: false,
      digest: sha256(Buffer.alloc(0)),
    });
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(received).toBe(total);
  });
});
