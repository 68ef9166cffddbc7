/**
 * A registry (or a proxy in front of it) that answers a streamed PATCH before its body has all come — a 413 for a
 * body too large, a 411 for a missing Content-Length, a 500 — or drops the connection during it. The HTTP client then
 * destroys the body, and the "premature close" that follows is not why the upload failed: the answer is, and the
 * upload recovers from it as it would after a PUT (QA 2026-12-03: every such case read "regatta: Premature close"
 * and nothing was tried again, once blobs of 8 MiB or more went as a streamed PATCH).
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { type RefusingUploadServer, startRefusingUploadServer } from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STREAM_FROM, uploadBlob } from "./uploads.js";

const blob = randomBytes(STREAM_FROM + 4096);
const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;

/** How the next streamed PATCH is answered before its body is read: a status, or `drop` the connection. */
let early: Array<number | "drop">;
let server: RefusingUploadServer;
let transport: Transport;

/** What each request was: `POST`, `PATCH stream`, `PATCH 0-…`, `PUT`, `GET`. */
const seen = () =>
  server.seen.map((r) =>
    r.method === "PATCH" && r.length === "stream" ? "PATCH stream" : `${r.method} ${r.range ?? ""}`.trim(),
  );

beforeAll(async () => {
  // Answered (or dropped) at once, the body not read: what a proxy refusing it does.
  server = await startRefusingUploadServer((r) => {
    if (r.method !== "PATCH" || r.length !== "stream" || early.length === 0) return undefined;
    const answer = early.shift() as number | "drop";
    return answer === "drop"
      ? "drop"
      : { status: answer, body: '{"errors":[{"code":"UNKNOWN","message":"refused early"}]}' };
  });
  transport = new Transport({ sleep: async () => {}, random: () => 0 });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  server.reset();
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
    expect(seen()[1]).toBe("PATCH stream");
    expect(seen().filter((s) => s.startsWith("PATCH 0-") || /^PATCH \d/.test(s)).length).toBeGreaterThan(0);
    expect(seen().at(-1)).toBe("PUT");
  });

  it("500: tried again, and the blob arrives whole", async () => {
    early = [500];
    await expect(upload()).resolves.toMatchObject({ digest, size: blob.length });
    expect(seen().filter((s) => s === "PATCH stream").length).toBeGreaterThanOrEqual(2);
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
