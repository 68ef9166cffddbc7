import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { RegistryError, SizeMismatchError } from "@regatta/errors";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readRequest, startServer, type TestServer } from "./test-server.js";
import { Transport } from "./transport.js";
import { fixedChunks } from "./upload.js";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A tiny upload-only registry: sessions with a `_state` counter that must be echoed, as distribution does. */
let blobs: Map<string, Buffer>; // "<repo>@<digest>"
let sessions: Map<string, { parts: Buffer[]; state: number }>;
let server: TestServer;
let transport: Transport;
let nextId = 0;

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? "", "http://x");
    const body = await readRequest(req);
    const start = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
    if (req.method === "POST" && start) {
      const repo = start[1] ?? "";
      const mount = url.searchParams.get("mount");
      const from = url.searchParams.get("from");
      const existing = mount && from ? blobs.get(`${from}@${mount}`) : undefined;
      if (mount && existing) {
        blobs.set(`${repo}@${mount}`, existing);
        res.writeHead(201, { location: `/v2/${repo}/blobs/${mount}` });
        return void res.end();
      }
      const id = String(++nextId);
      sessions.set(id, { parts: [], state: 0 });
      res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}?_state=0`, "docker-upload-uuid": id });
      return void res.end();
    }
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/(\w+)$/.exec(url.pathname);
    const session = upload ? sessions.get(upload[2] ?? "") : undefined;
    if (!upload || !session || url.searchParams.get("_state") !== String(session.state)) {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end('{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown"}]}');
    }
    const have = session.parts.reduce((n, p) => n + p.length, 0);
    const range = req.headers["content-range"];
    if (range && range !== `${have}-${have + body.length - 1}`) {
      res.statusCode = 416;
      return void res.end();
    }
    session.parts.push(body);
    session.state++;
    const repo = upload[1] ?? "";
    const location = `/v2/${repo}/blobs/uploads/${upload[2]}?_state=${session.state}`;
    if (req.method === "PATCH") {
      // alternate absolute and relative Locations: both must be honoured
      res.writeHead(202, {
        location: session.state % 2 ? `${server.origin}${location}` : location,
        range: `0-${have + body.length - 1}`,
      });
      return void res.end();
    }
    const all = Buffer.concat(session.parts);
    const digest = url.searchParams.get("digest") ?? "";
    if (sha256(all) !== digest) {
      res.writeHead(400, { "content-type": "application/json" });
      return void res.end(
        '{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}',
      );
    }
    blobs.set(`${repo}@${digest}`, all);
    res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, "docker-content-digest": digest });
    res.end();
  });
  transport = new Transport({ retry: { attempts: 0 } });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  blobs = new Map();
  sessions = new Map();
  server.requests.length = 0;
});

const content = randomBytes(3500);
const digest = sha256(content);
const calls = () => server.requests.map((r) => `${r.method} ${r.headers["content-range"] ?? ""}`.trim());

describe("fixedChunks", () => {
  it("re-cuts a stream into fixed-size chunks", async () => {
    const out: number[] = [];
    for await (const c of fixedChunks(Readable.from([Buffer.alloc(5), Buffer.alloc(7), Buffer.alloc(1)]), 4))
      out.push(c.length);
    expect(out).toEqual([4, 4, 4, 1]);
  });
});

describe("blob upload", () => {
  it("monolithic: POST then PUT ?digest= with the bytes", async () => {
    const result = await transport.upload({
      registry: server.host,
      repository: "r",
      source: content,
      digest,
      size: content.length,
    });
    expect(result).toEqual({
      digest,
      size: content.length,
      mounted: false,
      location: `${server.origin}/v2/r/blobs/${digest}`,
    });
    expect(calls()).toEqual(["POST", "PUT"]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("digest unknown: one streamed PATCH hashed on the fly, then PUT ?digest= with the computed digest", async () => {
    const result = await transport.upload({
      registry: server.host,
      repository: "r",
      source: Readable.from([content.subarray(0, 100), content.subarray(100)]),
    });
    expect(result.digest).toBe(digest);
    expect(result.size).toBe(content.length);
    expect(calls()).toEqual(["POST", "PATCH", "PUT"]);
    expect(server.requests.at(-1)?.url).toContain(`digest=${encodeURIComponent(digest)}`);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("chunked: PATCHes with Content-Range, each to the Location the previous answer gave", async () => {
    const result = await transport.upload({
      registry: server.host,
      repository: "r",
      source: () => Readable.from([content]),
      chunkSize: 1000,
    });
    expect(result).toMatchObject({ digest, size: 3500, mounted: false });
    expect(calls()).toEqual([
      "POST",
      "PATCH 0-999",
      "PATCH 1000-1999",
      "PATCH 2000-2999",
      "PATCH 3000-3499",
      "PUT",
    ]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("mounts from another repository when the registry can (201)", async () => {
    blobs.set(`src@${digest}`, content);
    const result = await transport.upload({
      registry: server.host,
      repository: "dst",
      source: content,
      digest,
      mountFrom: "src",
    });
    expect(result).toMatchObject({ digest, mounted: true });
    expect(server.requests.map((r) => r.url)).toEqual([
      `/v2/dst/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=src`,
    ]);
  });

  it("falls back to an upload when the mount is refused (202)", async () => {
    const result = await transport.upload({
      registry: server.host,
      repository: "dst",
      source: content,
      digest,
      mountFrom: "src",
    });
    expect(result.mounted).toBe(false);
    expect(calls()).toEqual(["POST", "PUT"]);
    expect(blobs.get(`dst@${digest}`)?.equals(content)).toBe(true);
  });

  it("a wrong digest is the registry's DIGEST_INVALID", async () => {
    const err = await transport
      .upload({
        registry: server.host,
        repository: "r",
        source: content,
        digest: sha256(Buffer.from("other")),
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.code).toBe("DIGEST_INVALID");
  });

  it("a source shorter than the announced size fails before the closing PUT", async () => {
    const err = await transport
      .upload({
        registry: server.host,
        repository: "r",
        source: () => Readable.from([content]),
        size: 4000,
        chunkSize: 2048,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(calls()).toEqual(["POST", "PATCH 0-2047", "PATCH 2048-3499"]);
    server.requests.length = 0;
    const early = await transport
      .upload({ registry: server.host, repository: "r", source: content, size: 4000 })
      .catch((e) => e);
    expect(early).toBeInstanceOf(SizeMismatchError);
    expect(calls()).toEqual([]);
  });
});
