/**
 * The timeouts on blob bodies, against real sockets (issue 10, item 8), moved here with the blob endpoints from the
 * transport's timeouts tests: a download that stalls after some bytes, an upload body the server stops reading, and
 * blob bodies in either direction that keep moving for longer than the request deadline (which never applies to
 * them). Short timeouts keep the file fast.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { TimeoutError } from "@regatta/errors";
import { collect, readRequest, startServer, type TestHandler, type TestServer } from "@regatta/testkit";
import { Transport, type TransportOptions } from "@regatta/transport";
import { afterEach, describe, expect, it } from "vitest";
import { blobGet } from "./blobs.js";
import { uploadBlob } from "./uploads.js";

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
function make(options: TransportOptions = {}): Transport {
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

describe("idle timeout on blob bodies", () => {
  it("a blob body that stalls after some bytes fails within the idle timeout, and is not fetched again", async () => {
    const content = randomBytes(100_000);
    const digest = sha256(content);
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(content.length) });
      res.write(content.subarray(0, 10_000)); // and then nothing, the connection open
    });
    const t = make({ timeouts: { idle: 300 }, retry: { attempts: 3 } });
    const started = performance.now();
    const { stream } = await blobGet(t, { registry: s.host, repository: "a", digest, size: content.length });
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
    const err = await uploadBlob(t, {
      registry: s.host,
      repository: "r",
      source: bigBody(256 * 1024 * 1024),
      digest: sha256(Buffer.alloc(0)),
    }).catch((e) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(
      /idle timeout \(400 ms\): 127\.0\.0\.1:\d+ stopped reading the request body \(PATCH /,
    );
    expect(elapsed).toBeLessThan(5000);
    // A blob this large (and of unknown size) goes by streamed PATCH (uploads.ts, STREAM_FROM)
    expect(s.requests.map((r) => r.method)).toEqual(["POST", "PATCH", "DELETE"]);
  });
});

describe("request deadline: never on blob bodies", () => {
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
    const { stream } = await blobGet(t, { registry: s.host, repository: "a", digest: sha256(content) });
    expect((await collect(stream)).equals(content)).toBe(true);
  });

  it("never applies to an upload body: a source that trickles for longer than the deadline is uploaded", async () => {
    const content = randomBytes(10 * 1024);
    let received: Buffer = Buffer.alloc(0);
    const s = await serve(async (req, res) => {
      if (req.method === "POST") {
        res.writeHead(202, { location: "/v2/r/blobs/uploads/1" });
        return void res.end();
      }
      // A source of unknown size goes by streamed PATCH, then an empty PUT (uploads.ts, STREAM_FROM)
      received = Buffer.concat([received, await readRequest(req)]);
      if (req.method === "PATCH") res.writeHead(202, { location: "/v2/r/blobs/uploads/1" });
      else res.writeHead(201, { location: `/v2/r/blobs/${sha256(received)}` });
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
    const result = await uploadBlob(t, {
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
      // 8 MiB go by streamed PATCH, then an empty PUT (uploads.ts, STREAM_FROM)
      if (req.method === "PATCH") res.writeHead(202, { location: "/v2/r/blobs/uploads/1" });
      else res.writeHead(201);
      res.end();
    });
    // 500 ms, not less: the POST that opens the session is a small request, held to it, on a loaded machine too.
    const t = make({ timeouts: { idle: 3000, request: 500 } });
    const body = bigBody(total);
    const started = performance.now();
    await uploadBlob(t, {
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

describe("abort of a blob download", () => {
  it("a blob download aborted with a reason fails with that reason, a cut one names the blob", async () => {
    const content = Buffer.alloc(64, 1);
    const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(content.length) });
      res.write(content.subarray(0, 8)); // and then nothing
    });
    const controller = new AbortController();
    const t = make({ retry: { attempts: 0 } });
    const { stream } = await blobGet(t, {
      registry: s.host,
      repository: "a",
      digest,
      size: content.length,
      signal: controller.signal,
    });
    const reason = new TimeoutError("the caller's own deadline");
    setTimeout(() => controller.abort(reason), 20);
    expect(await collect(stream).catch((e) => e)).toBe(reason);
  });
});
