/**
 * A registry behind a proxy that refuses bodies above a size (nginx's `client_max_body_size`): it answers 413 and
 * closes the connection without reading the body. The client's write then fails (EPIPE) and Node mostly drops the
 * 413 with the socket, so the upload sees a cut, not a refusal (QA H7: 3 of 4 copies of a 400 MiB blob failed with
 * "connection reset" after six streamed PATCHes; a push from a file recovered only when a 413 happened to be read).
 * Whatever the source (a copy's download, a file, bytes) and whether the 413 is read or lost, the upload goes on in
 * chunks small enough, of at most MAX_FALLBACK_CHUNK, so memory stays flat whatever the blob's size.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { type RefusingUploadServer, startRefusingUploadServer } from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_FALLBACK_CHUNK, type UploadRequest, uploadBlob } from "./uploads.js";

const MiB = 1024 * 1024;

/**
 * How the proxy refuses a body above `limit`: a 413 without reading it, then close; a close with no answer (the 413
 * lost); or the first refusal's 413 read and every later one lost.
 */
let refuse: "413 close" | "lost" | "413, then lost";
/** The largest PATCH body the proxy lets through. */
let limit: number;
let server: RefusingUploadServer;
let transport: Transport;

beforeAll(async () => {
  server = await startRefusingUploadServer(({ method, length }) => {
    if (method !== "PATCH" || (length !== "stream" && length <= limit)) return undefined;
    // Not a byte of the body read: what nginx does with a body over client_max_body_size.
    if (refuse === "lost" || (refuse === "413, then lost" && server.seen.some((r) => r.refused)))
      return "drop";
    return {
      status: 413,
      contentType: "text/html",
      body: "<html>413 Request Entity Too Large</html>",
      destroy: true,
    };
  });
  transport = new Transport({ sleep: async () => {}, random: () => 0 });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  server.reset();
});

/** `size` bytes of a pattern (no two chunks alike, so a byte out of place fails the digest), made as they are read. */
function pattern(size: number) {
  const piece = (at: number) => {
    const bytes = Buffer.alloc(Math.min(64 * 1024, size - at));
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32BE((at + i) >>> 0, i);
    return bytes;
  };
  let digest: string | undefined;
  const digestOf = () => {
    if (!digest) {
      const hash = createHash("sha256");
      for (let at = 0; at < size; at += 64 * 1024) hash.update(piece(at));
      digest = `sha256:${hash.digest("hex")}`;
    }
    return digest;
  };
  /** A download as a copy's source is: the bytes fetched again on every call, arriving a piece at a time. */
  const download = () =>
    Readable.from(
      (async function* () {
        for (let at = 0; at < size; at += 64 * 1024) yield piece(at);
      })(),
    );
  const bytes = () =>
    Buffer.concat(Array.from({ length: Math.ceil(size / (64 * 1024)) }, (_, i) => piece(i * 64 * 1024)));
  return { digestOf, download, bytes, size };
}

/** Uploads `blob` (from its download unless `extra` names another source) to the proxy. */
const send = (blob: ReturnType<typeof pattern>, extra: Partial<UploadRequest> = {}) =>
  uploadBlob(transport, {
    registry: server.host,
    repository: "r",
    source: blob.download,
    digest: blob.digestOf(),
    size: blob.size,
    ...extra,
  });

/** Each PATCH as the proxy saw it: `stream` (no Content-Length) or its length, and whether it was refused. */
const patches = () => server.seen.filter((r) => r.method === "PATCH");
const lengths = () => patches().map((p) => p.length);

describe("a proxy that refuses a body above a size without reading it", () => {
  const blob = pattern(20 * MiB);

  it.each([
    ["413 close", "a copy's download"],
    ["lost", "a copy's download"],
    ["413 close", "bytes"],
    ["lost", "bytes"],
    ["413, then lost", "a copy's download"],
    ["413, then lost", "bytes"],
  ] as const)("%s, from %s: the upload goes on in chunks the proxy lets through", async (mode, kind) => {
    refuse = mode;
    limit = 2 * MiB;
    const result = await send(blob, kind === "bytes" ? { source: blob.bytes() } : {});
    expect(result).toMatchObject({ digest: blob.digestOf(), size: 20 * MiB });
    // Streamed first; refused (read or not), a quarter of it (5 MiB); refused again, a quarter of that. Never the
    // same refused form twice: before, a lost 413 was taken for a network cut and the streamed PATCH sent again
    // until the recoveries ran out.
    expect(lengths()).toEqual(["stream", 5 * MiB, ...Array.from({ length: 16 }, () => 1.25 * MiB)]);
    expect(patches().filter((p) => !p.refused).length).toBe(16);
  });
});

describe("the chunks after a refusal are bounded, so memory stays flat whatever the blob's size", () => {
  it("a quarter of the blob, at most MAX_FALLBACK_CHUNK, then a quarter again on the next refusal", async () => {
    const blob = pattern(80 * MiB);
    refuse = "413 close";
    limit = 8 * MiB;
    const result = await send(blob, { verify: false });
    expect(result).toMatchObject({ size: 80 * MiB });
    expect(MAX_FALLBACK_CHUNK).toBe(16 * MiB);
    // A quarter of 80 MiB would be 20 MiB (and of a 400 MiB blob, 100 MiB held in memory): 16 MiB, then 4 MiB.
    expect(lengths()).toEqual(["stream", 16 * MiB, ...Array.from({ length: 20 }, () => 4 * MiB)]);
  });

  it("a chunk size the caller chose that is refused goes down by quarters from there", async () => {
    const blob = pattern(10 * MiB);
    refuse = "413 close";
    limit = 1 * MiB;
    const result = await send(blob, { chunkSize: 5 * MiB });
    expect(result).toMatchObject({ size: 10 * MiB });
    expect(lengths()).toEqual([5 * MiB, 1.25 * MiB, ...Array.from({ length: 32 }, () => 0.3125 * MiB)]);
  });
});
