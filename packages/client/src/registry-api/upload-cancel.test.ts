/**
 * An upload that ends without success cancels its session with the Location of the LAST answer, once the request in
 * flight has settled (upload-stop.ts), whatever ended it: an abort, a source that fails, a refused request, a digest
 * mismatch, a deadline. The registry here checks the session state the way distribution 2.8 does: every Location
 * carries the bytes held (`?_state=`), a request naming another count is answered 404 BLOB_UPLOAD_INVALID and the
 * session stays; bytes of a request cut off half-way are kept, so the Location before it goes stale.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-in-chunks
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { AbortError, RegistryError, TimeoutError } from "@regatta/errors";
import { startServer, type TestServer } from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STREAM_FROM, type UploadRequest, uploadBlob } from "./uploads.js";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const content = randomBytes(3000);

/** An open session: the bytes it holds. */
const sessions = new Map<string, { held: number }>();
/** What happened, in order: `<METHOD> <state>` when a request arrived, `<METHOD> settled` when it ended. */
let events: string[];
/** Per test: called when a request arrives, before it is answered; may hold its answer back. */
let onArrive: (method: string, held: number) => void | Promise<void>;
/** Per test: an answer instead of the usual one, by what the session would hold after the request. */
let override: (method: string, held: number) => { status: number; body?: string } | undefined;
let server: TestServer;
let transport: Transport;
let next = 0;

const location = (id: string) => `/v2/r/blobs/uploads/${id}?_state=${sessions.get(id)!.held}`;
const invalid = `{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"blob upload invalid"}]}`;

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://x");
  const method = req.method ?? "";
  const settled = () => events.push(`${method} settled`);
  // Settled when the answer is out or the client went away, whichever comes first.
  let done = false;
  const once = () => {
    if (!done) settled();
    done = true;
  };
  res.once("finish", once);
  res.once("close", once);
  if (method === "POST") {
    const id = `s${++next}`;
    sessions.set(id, { held: 0 });
    events.push("POST");
    res.writeHead(202, { location: location(id), range: "0-0" }).end();
    return;
  }
  const id = url.pathname.split("/").at(-1) ?? "";
  const session = sessions.get(id);
  const state = url.searchParams.get("_state");
  events.push(`${method} ${state}`);
  if (!session) {
    res.writeHead(404, { "content-type": "application/json" }).end(invalid.replace(/INVALID/g, "UNKNOWN"));
    return;
  }
  const stale = Number(state) !== session.held;
  // The bytes that come are kept, even when the client goes away half-way (distribution flushes what it read).
  let read = 0;
  try {
    for await (const chunk of req) read += (chunk as Buffer).length;
  } catch {
    // cut off: what came is kept
  }
  // A refused request takes nothing (it is asked with what the session would hold).
  const replaced = override(method, session.held + read);
  if (!stale && !replaced && (method === "PATCH" || method === "PUT")) session.held += read;
  if (req.destroyed && !req.complete) return;
  await onArrive(method, session.held);
  if (replaced) {
    res.writeHead(replaced.status, { "content-type": "application/json" }).end(replaced.body);
    return;
  }
  if (stale) {
    res.writeHead(404, { "content-type": "application/json" }).end(invalid);
    return;
  }
  if (method === "DELETE") {
    sessions.delete(id);
    res.writeHead(204).end();
  } else if (method === "PATCH") {
    res.writeHead(202, { location: location(id), range: `0-${session.held - 1}` }).end();
  } else if (method === "GET") {
    res.writeHead(204, { location: location(id), range: `0-${Math.max(0, session.held - 1)}` }).end();
  } else if (method === "PUT") {
    const digest = url.searchParams.get("digest") ?? "";
    sessions.delete(id);
    res.writeHead(201, { location: `/v2/r/blobs/${digest}`, "docker-content-digest": digest }).end();
  } else {
    res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = await startServer(handle);
  server.server.keepAliveTimeout = 60_000;
  transport = new Transport({ retry: { attempts: 0 }, sleep: async () => {} });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  sessions.clear();
  events = [];
  onArrive = () => {};
  override = () => undefined;
});

const upload = (req: Partial<UploadRequest>) =>
  uploadBlob(transport, {
    registry: server.host,
    repository: "r",
    source: content,
    maxRecoveries: 0,
    ...req,
  });

/** A one-shot stream: `first` bytes of the content, then `then` (it waits, or it fails). */
function stalling(first: number, then: () => Promise<never>) {
  return Readable.from(
    (async function* () {
      yield content.subarray(0, first);
      await then();
    })(),
  );
}
const forever = () => new Promise<never>(() => {});

/** The DELETE was sent once the request before it had settled, to the Location that request's answer gave. */
function expectCancelledAtLatest(lastState: number) {
  const cancel = events.indexOf(`DELETE ${lastState}`);
  expect(events, "the DELETE names the latest Location").toContain(`DELETE ${lastState}`);
  expect(events.slice(cancel - 1, cancel), "sent after the request in flight settled").toEqual([
    expect.stringMatching(/settled$/),
  ]);
  expect(events.filter((e) => /^DELETE \d/.test(e))).toHaveLength(1);
  expect(sessions.size, "no session is left on the registry").toBe(0);
}

describe("an upload that ends without success cancels its session at the latest Location", () => {
  it("aborted while a chunk PATCH is in flight: the PATCH gets its answer, then the DELETE names its Location", async () => {
    const controller = new AbortController();
    onArrive = async (method, held) => {
      // The second chunk is at the registry: the user aborts before its answer is out.
      if (method === "PATCH" && held === 2000) {
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const err = await upload({ chunkSize: 1000, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual([
      "POST",
      "PATCH 0",
      "PATCH 1000",
      "DELETE 2000",
    ]);
    expectCancelledAtLatest(2000);
  });

  it("aborted in the middle of a streamed PATCH: its body ends early, and the DELETE names the Location of its answer", async () => {
    const controller = new AbortController();
    const source = stalling(1200, async () => {
      setTimeout(() => controller.abort(), 50);
      return forever();
    });
    const err = await upload({ source, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual(["POST", "PATCH 0", "DELETE 1200"]);
    expectCancelledAtLatest(1200);
  });

  it("a deadline (AbortSignal.timeout) in the middle of a streamed PATCH: a TimeoutError, and the same cancel", async () => {
    const source = stalling(700, forever);
    const err = await upload({ source, signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expectCancelledAtLatest(700);
  });

  it("a source that fails in the middle of a streamed PATCH: the source's error, and the session cancelled", async () => {
    const broken = new Error("disk read failed");
    const source = stalling(900, async () => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the first bytes are on their way
      throw broken;
    });
    const err = await upload({ source }).catch((e: unknown) => e);
    expect(err).toBe(broken);
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual(["POST", "PATCH 0", "DELETE 900"]);
    expectCancelledAtLatest(900);
  });

  it("a request refused for good after two chunks: the registry's error, and the DELETE names the Location before it", async () => {
    override = (method, held) =>
      method === "PATCH" && held === 3000
        ? { status: 403, body: `{"errors":[{"code":"DENIED","message":"denied"}]}` }
        : undefined;
    const err = await upload({ chunkSize: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual([
      "POST",
      "PATCH 0",
      "PATCH 1000",
      "PATCH 2000",
      "DELETE 2000",
    ]);
    expectCancelledAtLatest(2000);
  });

  it("a digest that does not match the bytes: nothing committed, the DELETE names the last chunk's Location", async () => {
    const err = await upload({ chunkSize: 1000, digest: sha256(Buffer.from("other")) }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe("DigestMismatchError");
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual([
      "POST",
      "PATCH 0",
      "PATCH 1000",
      "PATCH 2000",
      "DELETE 3000",
    ]);
    expectCancelledAtLatest(3000);
  });

  it("a cancel that fails or hangs never hides why the upload stopped, and does not hold it up for long", async () => {
    const controller = new AbortController();
    override = (method) => (method === "DELETE" ? { status: 500, body: "{}" } : undefined);
    const source = stalling(500, async () => {
      controller.abort();
      return forever();
    });
    expect(await upload({ source, signal: controller.signal }).catch((e: unknown) => e)).toBeInstanceOf(
      AbortError,
    );
    // A DELETE that never answers: given up after a short while (upload-stop.ts), the abort still the error.
    onArrive = (method) => (method === "DELETE" ? forever() : undefined);
    const again = new AbortController();
    const stalled = stalling(500, async () => {
      again.abort();
      return forever();
    });
    expect(await upload({ source: stalled, signal: again.signal }).catch((e: unknown) => e)).toBeInstanceOf(
      AbortError,
    );
  }, 20_000);
});

describe("a small blob's PUT in flight when the upload stops", () => {
  // Below STREAM_FROM the bytes go with the closing PUT, which cannot end early: cut, it leaves what came on the
  // registry (distribution keeps it, and the Location we hold goes stale). A source that stops on the signal it is
  // handed (a copy's download) rather than on the upload's feeds the PUT for the while it is given to answer.
  const sourceFor =
    (controller: AbortController) =>
    (settled?: AbortSignal): Readable => {
      const stopping = settled ?? controller.signal;
      return Readable.from(
        (async function* () {
          yield content.subarray(0, 1000);
          controller.abort(); // a sibling failed, or Ctrl-C: the copy stops
          await new Promise((resolve) => setTimeout(resolve, 100));
          if (stopping.aborted) throw new Error("download aborted");
          yield content.subarray(1000);
        })(),
      );
    };

  it("gets its bytes for the grace and commits, leaving no session and no bytes behind", async () => {
    const controller = new AbortController();
    const err = await upload({
      source: sourceFor(controller),
      digest: sha256(content),
      size: content.length,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual(["POST", "PUT 0"]);
    expect(sessions.size, "no session is left on the registry").toBe(0);
  });
});

describe("a large blob whose digest and size are known goes by PATCH, so that it can be cancelled", () => {
  // Above STREAM_FROM: a PUT carrying the bytes could not stop cleanly (distribution keeps what came, and the Location
  // we hold goes stale), a streamed PATCH ends early and is answered with the current Location.
  const large = randomBytes(STREAM_FROM + 1000);
  const largeDigest = sha256(large);
  const first = 3 * 1024 * 1024;

  it("POST, one streamed PATCH of the bytes, then an empty PUT ?digest= at the PATCH's Location", async () => {
    const result = await upload({ source: large, digest: largeDigest, size: large.length });
    expect(result).toMatchObject({ digest: largeDigest, size: large.length });
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual(["POST", "PATCH 0", `PUT ${large.length}`]);
    expect(sessions.size).toBe(0);
  });

  it("aborted in the middle of its PATCH: the body ends early, and the DELETE at the Location of its answer removes the session", async () => {
    const controller = new AbortController();
    const source = () =>
      Readable.from(
        (async function* () {
          yield large.subarray(0, first);
          setTimeout(() => controller.abort(), 50);
          await forever();
        })(),
      );
    const err = await upload({
      source,
      digest: largeDigest,
      size: large.length,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual(["POST", "PATCH 0", `DELETE ${first}`]);
    expectCancelledAtLatest(first);
  });

  it("bytes that do not match the digest: nothing committed, and the session cancelled at the PATCH's Location", async () => {
    const other = sha256(Buffer.from("other"));
    const err = await upload({ source: large, digest: other, size: large.length }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("DigestMismatchError");
    expect(events.filter((e) => !e.endsWith("settled"))).toEqual([
      "POST",
      "PATCH 0",
      `DELETE ${large.length}`,
    ]);
    expectCancelledAtLatest(large.length);
  });
});
