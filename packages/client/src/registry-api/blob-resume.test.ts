/**
 * A blob download that loses its connection half-way goes on with a Range request from the last byte it handed on
 * (issue 10, item 9), and every answer to a resumption is checked before a byte of it is used: a 206 must start
 * where it was asked to, a 200 (Range ignored) is skipped up to there and must reach it. The size-only check of
 * `verifyDigest: false` (copy's --no-verify) still refuses an overlong blob.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import {
  AbortError,
  DigestMismatchError,
  ProtocolError,
  RegistryError,
  RegistryUnreachableError,
  SizeMismatchError,
  UsageError,
} from "@regatta/errors";
import { collect, FakeAuthenticator, startServer, type TestServer } from "@regatta/testkit";
import { RetryBudget, Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BlobRequest, blobGet } from "./blobs.js";

const content = randomBytes(200_000);
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;

/** One scripted answer: `from` is the start of the Range asked for (0 without one). */
type Answer = (res: ServerResponse, from: number, req: IncomingMessage) => void;
let script: Answer[];
let server: TestServer;
let transport: Transport;

/** Sends `bytes` as a 200 (or 206 from `from`) and cuts the connection after `keep` of them. */
const cutAfter =
  (keep: number): Answer =>
  (res, from, req) => {
    const body = content.subarray(from);
    res.writeHead(from ? 206 : 200, {
      "content-length": String(body.length),
      ...(from ? { "content-range": `bytes ${from}-${content.length - 1}/${content.length}` } : {}),
    });
    res.write(body.subarray(0, keep));
    setTimeout(() => req.socket.destroy(), 20);
  };
/** The rest from `from`, as a proper 206. */
const ranged = (res: ServerResponse, from: number) => {
  res.writeHead(206, {
    "content-length": String(content.length - from),
    "content-range": `bytes ${from}-${content.length - 1}/${content.length}`,
  });
  res.end(content.subarray(from));
};
/** The whole blob, Range ignored. */
const whole: Answer = (res) => {
  res.writeHead(200, { "content-length": String(content.length) });
  res.end(content);
};

beforeAll(async () => {
  server = await startServer((req, res) => {
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    (script.shift() ?? whole)(res, from, req);
  });
  // Node closes an idle keep-alive connection after 5 s; on a loaded machine the client can reuse it just as it closes
  // (a reset no test asked for), so connections stay open for as long as the file runs.
  server.server.keepAliveTimeout = 60_000;
  transport = new Transport({ retry: { attempts: 2 }, sleep: async () => {} });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  script = [];
  server.requests.length = 0;
});

const download = (extra: Partial<BlobRequest> = {}) =>
  blobGet(transport, { registry: server.host, repository: "a", digest, size: content.length, ...extra });
const ranges = () => server.requests.map((r) => r.headers.range ?? "-");

describe("blob download: resumed after a cut", () => {
  it("goes on with Range from the last byte handed on; the caller sees one verified stream", async () => {
    script = [cutAfter(70_000), ranged];
    const got = await collect((await download()).stream);
    expect(got.equals(content)).toBe(true);
    expect(ranges()[0]).toBe("-");
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges()[1] ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(70_000);
  });

  it("a cut after the last byte (chunked, never terminated) needs no resumption: the digest decides", async () => {
    script = [
      (res, _from, req) => {
        res.writeHead(200); // chunked
        res.write(content);
        setTimeout(() => req.socket.destroy(), 50);
      },
    ];
    expect((await collect((await download()).stream)).equals(content)).toBe(true);
    expect(ranges()).toEqual(["-"]);
  });

  it("a resumption answered 200 (Range ignored) is skipped up to where the stream stood", async () => {
    script = [cutAfter(50_000), whole];
    expect((await collect((await download()).stream)).equals(content)).toBe(true);
    expect(ranges()).toHaveLength(2);
  });

  it("cuts within the budget are all taken up; one more and the cut is reported on the stream", async () => {
    script = [cutAfter(30_000), cutAfter(30_000), ranged];
    expect((await collect((await download()).stream)).equals(content)).toBe(true);
    expect(ranges()).toHaveLength(3);

    server.requests.length = 0;
    script = [cutAfter(30_000), cutAfter(30_000), cutAfter(30_000), ranged];
    const err = await collect((await download()).stream).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.summary).toMatch(/^blob sha256:\w+ from 127\.0\.0\.1:\d+\/a: cannot reach registry/);
    expect(ranges()).toHaveLength(3); // the first GET and two resumptions: the budget of 2 is spent
  });

  it("a resumption answered 206 from another offset than asked is refused, never spliced in", async () => {
    script = [cutAfter(60_000), (res, from) => ranged(res, from - 1)];
    const err = await collect((await download()).stream).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/asked for bytes from \d+, got Content-Range "bytes \d+-199999\/200000"/);
  });

  it("a resumption answered 200 whose body ends before the resume offset is a SizeMismatchError", async () => {
    script = [
      cutAfter(60_000),
      (res) => {
        res.writeHead(200); // no length: it just ends, early
        res.end(content.subarray(0, 1000));
      },
    ];
    const err = await collect((await download()).stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/the answer ended \d+ bytes before the resume offset \d+/);
  });
});

describe("blob download: answers to a resume from an offset", () => {
  it("a 206 starting elsewhere than the offset asked for is refused before any byte is used", async () => {
    script = [(res, from) => ranged(res, from + 10)];
    const err = await download({ offset: 1000, prefix: content.subarray(0, 1000) }).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/asked for bytes from 1000, got Content-Range "bytes 1010-199999\/200000"/);
  });

  it("a 200 shorter than the offset (Range ignored, body truncated) fails instead of ending quietly", async () => {
    script = [
      (res) => {
        res.writeHead(200);
        res.end(content.subarray(0, 500));
      },
    ];
    const got = await download({ offset: 1000, prefix: content.subarray(0, 1000) });
    const err = await collect(got.stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/the answer ended 500 bytes before the resume offset 1000/);
  });
});

describe("blob download: size-only check (verifyDigest: false)", () => {
  it("refuses an overlong blob as soon as it overruns, even without a digest check", async () => {
    script = [
      (res) => {
        res.writeHead(200); // chunked: nothing announces the length
        res.write(content);
        res.end(Buffer.alloc(10));
      },
    ];
    const err = await collect((await download({ verifyDigest: false })).stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/longer than the expected 200000 bytes/);
  });

  it("lets different bytes of the right size through (the target registry checks the digest) but not a short blob", async () => {
    const other = Buffer.from(content);
    other[7] = (other[7] ?? 0) ^ 1;
    script = [
      (res) => {
        res.writeHead(200);
        res.end(other);
      },
      (res) => {
        res.writeHead(200);
        res.end(content.subarray(1));
      },
    ];
    expect((await collect((await download({ verifyDigest: false })).stream)).equals(other)).toBe(true);
    const short = await collect((await download({ verifyDigest: false })).stream).catch((e) => e);
    expect(short).toBeInstanceOf(SizeMismatchError);
    // and with the digest check on, the same different bytes are refused
    script = [
      (res) => {
        res.writeHead(200);
        res.end(other);
      },
    ];
    const tampered = await collect((await download()).stream).catch((e) => e);
    expect(tampered).toBeInstanceOf(DigestMismatchError);
  });
});

describe("blob download: the stream's plumbing", () => {
  it("a consumer that reads slowly gets every byte (back-pressure waits for drain, not for the end)", async () => {
    script = [whole];
    const { stream } = await download();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      if (chunks.length === 1) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  }, 5000);

  it("a consumer that gives up releases the connection at once, not after the idle timeout", async () => {
    let closed: () => void = () => {};
    const socketClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    script = [
      (res, _from, req) => {
        req.socket.once("close", () => closed());
        res.writeHead(200, { "content-length": String(content.length) });
        res.write(content.subarray(0, 1000)); // and then nothing: only the consumer can end this
      },
    ];
    const { stream } = await download();
    stream.once("data", () => stream.destroy());
    const started = performance.now();
    await socketClosed;
    expect(performance.now() - started).toBeLessThan(2000); // the idle timeout is 30 s
  }, 5000);

  it("typed errors carry the status of the answer they judge, and say what was announced", async () => {
    script = [cutAfter(60_000), (res, from) => ranged(res, from - 1)];
    const shifted = await collect((await download()).stream).catch((e) => e);
    expect(shifted.status).toBe(206);
    script = [
      cutAfter(60_000),
      (res, from) => {
        res.writeHead(206, {
          "content-length": String(content.length - from),
          "content-range": `bytes ${from}-${content.length - 1}/${content.length + 5}`,
        });
        res.end(content.subarray(from));
      },
    ];
    const announced = await collect((await download()).stream).catch((e) => e);
    expect(announced).toBeInstanceOf(SizeMismatchError);
    expect(announced.message).toMatch(/registry announced 200005 bytes, expected 200000$/);
    expect(announced.status).toBe(206);
    script = [
      cutAfter(60_000),
      (res) => {
        res.writeHead(200);
        res.end(content.subarray(0, 10));
      },
    ];
    const short = await collect((await download()).stream).catch((e) => e);
    expect(short.status).toBe(200);
  });

  it("a size nobody announced (not the GET, not the HEAD asked then) is absent from the result, not undefined", async () => {
    const chunked = (res: ServerResponse) => {
      res.writeHead(200); // chunked: no Content-Length
      res.end(content);
    };
    script = [chunked, chunked];
    const got = await blobGet(transport, { registry: server.host, repository: "a", digest });
    expect(Object.keys(got)).not.toContain("size");
    expect((await collect(got.stream)).equals(content)).toBe(true);
  });
});

describe("blob download: arguments, and answers that say too little", () => {
  it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 2])(
    "an offset of %d is refused before any request",
    async (offset) => {
      const err = await download({ offset, prefix: Buffer.alloc(1) }).catch((e) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toBe(`invalid blob offset ${offset}`);
      expect(server.requests).toEqual([]);
    },
  );

  it("a prefix longer than the offset is refused, and the answer released", async () => {
    script = [ranged];
    const err = await download({ offset: 10, prefix: content.subarray(0, 11) }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe("blob prefix is longer than offset 10");
  });

  it("a prefix given as pieces is counted across them", async () => {
    async function* pieces() {
      yield content.subarray(0, 600);
      yield content.subarray(600, 1000);
    }
    script = [ranged];
    const got = await download({ offset: 1000, prefix: pieces() });
    expect((await collect(got.stream)).equals(content.subarray(1000))).toBe(true);
    async function* longer() {
      yield content.subarray(0, 600);
      yield content.subarray(600, 1001);
    }
    const err = await download({ offset: 1000, prefix: longer() }).catch((e) => e);
    expect(err.message).toBe("blob prefix is longer than offset 1000");
  });

  it("everything already held: no request, the prefix alone is checked", async () => {
    const held = await download({ offset: content.length, prefix: content });
    expect(held.size).toBe(content.length);
    expect(held.offset).toBe(content.length);
    expect((await collect(held.stream)).length).toBe(0);
    expect(server.requests).toEqual([]);
    const corrupt = Buffer.from(content);
    corrupt[3] = (corrupt[3] ?? 0) ^ 1;
    const bad = await download({ offset: content.length, prefix: corrupt });
    const err = await collect(bad.stream).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toMatch(/^blob sha256:\w+ from 127\.0\.0\.1:\d+\/a: /);
    expect(server.requests).toEqual([]);
  });

  it("an aborted signal stops the download before it starts", async () => {
    const err = await download({ signal: AbortSignal.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(server.requests).toEqual([]);
  });

  it("a 206 without a Content-Range is refused, saying it had none", async () => {
    script = [
      (res) => {
        res.writeHead(206, { "content-length": String(content.length - 1000) });
        res.end(content.subarray(1000));
      },
    ];
    const err = await download({ offset: 1000, prefix: content.subarray(0, 1000) }).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/asked for bytes from 1000, got Content-Range ""$/);
  });

  it("without a digest check an overrun says what size was expected; without a size nothing is an overrun", async () => {
    const overlong = (res: ServerResponse) => {
      res.writeHead(200);
      res.end(Buffer.concat([content, Buffer.alloc(10)]));
    };
    script = [overlong];
    const err = await collect((await download({ verifyDigest: false })).stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.expected).toBe(content.length);
    expect(err.message).toMatch(
      /^blob sha256:\w+ from 127\.0\.0\.1:\d+\/a: content of sha256:\w+ is longer than/,
    );
    // Without a size from the caller or the GET, the HEAD's Content-Length bounds it.
    script = [overlong];
    const headed = await blobGet(transport, {
      registry: server.host,
      repository: "a",
      digest,
      verifyDigest: false,
    });
    expect(headed.size).toBe(content.length);
    expect(await collect(headed.stream).catch((e) => e)).toBeInstanceOf(SizeMismatchError);
    expect(server.requests.slice(-2).map((r) => r.method)).toEqual(["GET", "HEAD"]);
    // And when the HEAD says nothing either, nothing is an overrun.
    script = [overlong, overlong];
    const unsized = await blobGet(transport, {
      registry: server.host,
      repository: "a",
      digest,
      verifyDigest: false,
    });
    expect((await collect(unsized.stream)).length).toBe(content.length + 10);
  });
});

/** A retry policy of two attempts that never waits, for blobGet called directly. */
const quickPolicy = () =>
  new Transport({
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 },
    sleep: async () => {},
    random: () => 0,
  }).retryPolicy;

describe("blob download: what the GET asks for, and how a resumption waits", () => {
  it("asks for pull on the repository, and shares the caller's retry budget with its resumptions", async () => {
    const fake = new FakeAuthenticator(undefined);
    const t = new Transport({ authenticator: fake, retry: { attempts: 0 }, sleep: async () => {} });
    try {
      const budget = new RetryBudget(1);
      script = [cutAfter(50_000), ranged];
      const got = await blobGet(t, { registry: server.host, repository: "a", digest, retryBudget: budget });
      expect((await collect(got.stream)).equals(content)).toBe(true);
      expect(budget.used).toBe(1); // the resumption took it from the caller's budget, not a fresh one of 0
      expect(fake.authorizations.map((a) => a.scopes)).toContainEqual([
        { type: "repository", name: "a", actions: ["pull"] },
      ]);
    } finally {
      await t.close();
    }
  });

  it("a resumption waits the policy's backoff, one attempt after another", async () => {
    const sleeps: number[] = [];
    const t = new Transport({
      retry: { attempts: 2 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });
    try {
      script = [cutAfter(30_000), cutAfter(30_000), ranged];
      const got = await blobGet(t, { registry: server.host, repository: "a", digest, size: content.length });
      expect((await collect(got.stream)).equals(content)).toBe(true);
      expect(sleeps).toEqual([100, 200]); // random 0.5 of 200·2^0, then of 200·2^1
    } finally {
      await t.close();
    }
  });

  it("a caller who aborts as the connection is cut gets the cut, not a resumption", async () => {
    const controller = new AbortController();
    const cut = new RegistryUnreachableError("cut", { retryable: true });
    script = [cutAfter(50_000), ranged];
    const got = await blobGet(
      {
        request: (r) => transport.request(r),
        retryPolicy: quickPolicy(),
        mapBodyError: () => {
          controller.abort(); // the caller gives up just as the cut is seen
          return cut;
        },
      },
      { registry: server.host, repository: "a", digest, size: content.length, signal: controller.signal },
    );
    expect(await collect(got.stream).catch((e) => e)).toBe(cut);
    expect(ranges()).toEqual(["-"]);
  });

  it("a failure nobody foresaw (here: mapping the cut throws) still ends the stream, with that failure", async () => {
    const boom = new Error("mapping failed");
    script = [cutAfter(50_000), ranged];
    const got = await blobGet(
      {
        request: (r) => transport.request(r),
        retryPolicy: quickPolicy(),
        mapBodyError: () => {
          throw boom;
        },
      },
      { registry: server.host, repository: "a", digest, size: content.length },
    );
    expect(await collect(got.stream).catch((e) => e)).toBe(boom);
  });

  it("a 206 to a GET that asked for no range is refused", async () => {
    script = [(res) => ranged(res, 0)];
    const err = await download().catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(206);
  });

  it("a prefix with offset 0 is no prefix: nothing of it is counted", async () => {
    script = [whole];
    const got = await download({ offset: 0, prefix: content.subarray(0, 10) });
    expect((await collect(got.stream)).equals(content)).toBe(true);
  });

  it("a blob larger than any small body streams through, never read into memory first", async () => {
    const big = randomBytes(5 * 1024 * 1024); // past the 4 MiB cap of a small response body
    script = [
      (res) => {
        res.writeHead(200, { "content-length": String(big.length) });
        res.end(big);
      },
    ];
    const bigDigest = `sha256:${createHash("sha256").update(big).digest("hex")}`;
    const got = await blobGet(transport, { registry: server.host, repository: "a", digest: bigDigest });
    expect((await collect(got.stream)).length).toBe(big.length);
  });

  it("a consumer that stops reading stops the download: back-pressure reaches the socket, nothing piles up", async () => {
    const piece = Buffer.alloc(64 * 1024);
    const total = 16 * 1024 * 1024;
    let sent = 0;
    script = [
      (res) => {
        res.writeHead(200, { "content-length": String(total) });
        const more = () => {
          while (sent < total) {
            sent += piece.length;
            if (!res.write(piece)) return void res.once("drain", more);
          }
          res.end();
        };
        more();
      },
    ];
    const { stream } = await download({ size: total, verifyDigest: false });
    await new Promise((resolve) => stream.once("readable", resolve)); // the download has started; nobody reads
    const deadline = Date.now() + 300;
    while (sent < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // what the kernel's socket buffers hold is not ours; what this process holds must stay near a stream buffer
    // The verify stream is a Transform: what it holds waiting to be read and waiting to be hashed.
    const held = stream as Readable & { writableLength: number };
    expect(held.readableLength + held.writableLength).toBeLessThan(1024 * 1024);
    stream.destroy();
  });

  it("waiting for a slow consumer leaves no listener behind", async () => {
    script = [whole];
    const { stream } = await download();
    let chunks = 0;
    for await (const _chunk of stream) {
      chunks++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(chunks).toBeGreaterThan(1);
    expect(stream.listenerCount("drain")).toBe(0);
    expect(stream.listenerCount("close")).toBeLessThanOrEqual(1); // one per wait would pile up here
  });
});
