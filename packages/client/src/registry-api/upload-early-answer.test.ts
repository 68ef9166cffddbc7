/**
 * A registry (or a proxy in front of it) that answers a streamed PATCH before its body has all come — a 413 for a
 * body too large, a 411 for a missing Content-Length, a 500 — or drops the connection during it. The HTTP client then
 * destroys the body, and the "premature close" that follows is not why the upload failed: the answer is, and the
 * upload recovers from it as it would after a PUT (QA 2026-12-03: every such case read "regatta: Premature close"
 * and nothing was tried again, once blobs of 8 MiB or more went as a streamed PATCH).
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { startServer, type TestServer } from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STREAM_FROM, uploadBlob } from "./uploads.js";

const blob = randomBytes(STREAM_FROM + 4096);
const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;

/** The bytes each session holds; what each request was (`PATCH stream`, `PATCH 0-…`, `PUT`, `GET`). */
let held: Map<string, Buffer[]>;
let seen: string[];
/** How the next streamed PATCH is answered before its body is read: a status, or `drop` the connection. */
let early: Array<number | "drop">;
let server: TestServer;
let transport: Transport;
let sessions = 0;

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://x");
  const id = url.pathname.split("/").at(-1) ?? "";
  if (req.method === "POST") {
    const name = `u${++sessions}`;
    held.set(name, []);
    seen.push("POST");
    return void res.writeHead(202, { location: `/v2/r/blobs/uploads/${name}`, range: "0-0" }).end();
  }
  const chunks = held.get(id);
  if (!chunks) return void res.writeHead(404).end('{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}');
  const streamed = req.method === "PATCH" && req.headers["content-length"] === undefined;
  seen.push(streamed ? "PATCH stream" : `${req.method} ${req.headers["content-range"] ?? ""}`.trim());
  if (streamed && early.length > 0) {
    const answer = early.shift();
    // Answered (or dropped) at once, the body not read: what a proxy refusing it does.
    if (answer === "drop") return void req.socket.destroy();
    return void res
      .writeHead(answer as number, { "content-type": "application/json", connection: "close" })
      .end('{"errors":[{"code":"UNKNOWN","message":"refused early"}]}');
  }
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const size = chunks.reduce((n, c) => n + c.length, 0);
  const range = { range: `0-${Math.max(0, size - 1)}`, location: `/v2/r/blobs/uploads/${id}` };
  if (req.method === "PATCH") return void res.writeHead(202, range).end();
  if (req.method === "GET") return void res.writeHead(204, range).end();
  if (req.method === "DELETE") return void res.writeHead(204).end();
  const whole = Buffer.concat(chunks);
  const got = `sha256:${createHash("sha256").update(whole).digest("hex")}`;
  if (got !== url.searchParams.get("digest"))
    return void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}');
  held.delete(id);
  res.writeHead(201, { location: `/v2/r/blobs/${got}`, "docker-content-digest": got }).end();
}

beforeAll(async () => {
  server = await startServer(handle);
  transport = new Transport({ sleep: async () => {}, random: () => 0 });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  held = new Map();
  seen = [];
  early = [];
});

/**
 * A copy's source: the blob fetched again on every call, arriving a piece at a time as a download from the source
 * registry does, so a read is pending when the answer comes.
 */
const source = () =>
  Readable.from(
    (async function* () {
      for (let at = 0; at < blob.length; at += 64 * 1024) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield blob.subarray(at, at + 64 * 1024);
      }
    })(),
  );
const upload = () =>
  uploadBlob(transport, { registry: server.host, repository: "r", source, digest, size: blob.length });

describe("a streamed PATCH answered before its body ended", () => {
  it.each([
    [413, "a body too large: the bytes go again in chunks, each with a Content-Length"],
    [411, "a proxy that wants a Content-Length: chunks carry one"],
  ])("%d: %s", async (status) => {
    early = [status];
    await expect(upload()).resolves.toMatchObject({ digest, size: blob.length });
    expect(seen[1]).toBe("PATCH stream");
    expect(seen.filter((s) => s.startsWith("PATCH 0-") || /^PATCH \d/.test(s)).length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe("PUT");
  });

  it("500: tried again, and the blob arrives whole", async () => {
    early = [500];
    await expect(upload()).resolves.toMatchObject({ digest, size: blob.length });
    expect(seen.filter((s) => s === "PATCH stream").length).toBeGreaterThanOrEqual(2);
  });

  it("the connection dropped: tried again, not 'Premature close'", async () => {
    early = ["drop"];
    await expect(upload()).resolves.toMatchObject({ digest, size: blob.length });
  });

  it("refused for good: the registry's error, typed, not the body's premature close", async () => {
    early = [400, 400, 400, 400, 400, 400];
    const err = await upload().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "RegistryError", status: 400 });
    expect((err as Error).message).not.toMatch(/premature close/i);
  });
});
