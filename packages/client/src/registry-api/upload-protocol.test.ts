/**
 * upload.ts, request by request: what each request of a blob upload carries and how each answer is read, against a
 * loopback registry whose every answer a test scripts
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs). upload.test.ts holds the
 * stateful fake registry and the whole-upload stories; this file holds the details each of those takes for granted.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  AuthenticationError,
  DigestMismatchError,
  InvalidDigestError,
  RegistryError,
  RegistryUnreachableError,
  SizeMismatchError,
  UsageError,
} from "@regatta/errors";
import { readRequest, startServer, type TestServer } from "@regatta/testkit";
import { type RegistryRequest, RetryBudget, Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STREAM_FROM, type UploadMemo, type UploadRequest, uploadBlob } from "./uploads.js";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const content = randomBytes(1000);
const digest = sha256(content);
const SESSION = "/v2/r/blobs/uploads/s1";

/** What the registry saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
/** One scripted answer, or "cut" to drop the connection after reading the request. */
type Reply = { status: number; headers?: Record<string, string>; body?: string } | "cut";

let server: TestServer;
let transport: Transport;
let seen: Seen[];
/** Bytes the session holds: what PATCHes brought (PUT bodies are not counted). */
let held: number;
/** Per test: the answer to a request, or undefined for the well-behaved registry's. */
let script: (request: Seen, index: number) => Reply | undefined;

/** A registry that does what the spec says: sessions at SESSION, PATCHes kept, PUT ?digest= committed. */
function wellBehaved(request: Seen): Reply {
  const url = new URL(request.url, "http://x");
  switch (request.method) {
    case "POST":
      return { status: 202, headers: { location: SESSION, range: "0-0" } };
    case "PATCH":
      held += request.body.length;
      return { status: 202, headers: { location: `${SESSION}?n=${seen.length}`, range: `0-${held - 1}` } };
    case "GET":
      return {
        status: 204,
        headers: { location: `${SESSION}?n=${seen.length}`, range: `0-${Math.max(0, held - 1)}` },
      };
    case "PUT": {
      const committed = url.searchParams.get("digest") ?? "";
      return {
        status: 201,
        headers: { location: `/v2/r/blobs/${committed}`, "docker-content-digest": committed },
      };
    }
    case "HEAD":
      return { status: 404 };
    default:
      return { status: 204 };
  }
}

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const request: Seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: await readRequest(req),
    };
    seen.push(request);
    const reply = script(request, seen.length - 1) ?? wellBehaved(request);
    if (reply === "cut") return void req.socket.destroy();
    res.writeHead(reply.status, {
      ...(reply.body ? { "content-type": "application/json" } : {}),
      ...reply.headers,
    });
    res.end(reply.body);
  });
  // Node closes an idle keep-alive connection after 5 s; on a loaded machine the client can reuse it just as it closes
  // (a reset no test asked for), so connections stay open for as long as the file runs.
  server.server.keepAliveTimeout = 60_000;
  transport = new Transport({ sleep: async () => {} });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  seen = [];
  held = 0;
  script = () => undefined;
});

/** An OCI error body. */
const errors = (code: string) => `{"errors":[{"code":"${code}","message":"${code.toLowerCase()}"}]}`;
/** Each request as "<method> <path> <content-range>", the query left out. */
const calls = () =>
  seen.map((r) =>
    `${r.method} ${new URL(r.url, "http://x").pathname} ${r.headers["content-range"] ?? ""}`.trim(),
  );

/**
 * Runs `uploadBlob` against the server, recording every request the upload makes. `retryAfter` is what the policy
 * answers for a recovery's wait; `sleep` is how waiting goes.
 */
async function upload(
  req: Partial<UploadRequest>,
  options: {
    memo?: UploadMemo;
    sleep?: (ms: number) => Promise<void>;
    onRequest?: (r: RegistryRequest) => void;
    /** Hears every error a request fails with, before the upload does. */
    onError?: (err: unknown) => void;
  } = {},
) {
  const asked: RegistryRequest[] = [];
  const sleeps: number[] = [];
  const notices: string[] = [];
  const policy = new Transport({
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 },
    sleep: options.sleep ?? (async (ms) => void sleeps.push(ms)),
    random: () => 0.5,
    notice: (line) => notices.push(line),
  }).retryPolicy;
  const request = async (r: RegistryRequest) => {
    asked.push(r);
    options.onRequest?.(r);
    try {
      return await transport.request(r);
    } catch (err) {
      options.onError?.(err);
      throw err;
    }
  };
  const result = uploadBlob(
    { request, retryPolicy: policy },
    { registry: server.host, repository: "r", source: content, ...req },
    options.memo,
  );
  return { result: await result.catch((e: unknown) => e), asked, sleeps, notices };
}

/** The requests after the POST of a streamed upload: one PATCH of the bytes, then an empty PUT ?digest= at its Location. */
const streamedThenClosed = (committed: string) => [
  expect.objectContaining({
    method: "PATCH",
    url: `${server.origin}${SESSION}`,
    // no Content-Length: a streamed body that ends early is still a whole request (upload-stop.ts)
    headers: { "content-type": "application/octet-stream" },
    body: expect.any(Readable),
    expect: [202, 204],
    streaming: true,
  }),
  expect.objectContaining({
    method: "PUT",
    url: `${server.origin}${SESSION}?n=2&digest=${encodeURIComponent(committed)}`,
    headers: { "content-length": "0" },
    expect: [201],
  }),
];

describe("upload requests: what each one carries", () => {
  it("the monolithic upload: a POST retried like an idempotent request, then a PUT of the bytes sent once", async () => {
    const { result, asked } = await upload({ digest, size: content.length });
    const scopes = [{ type: "repository", name: "r", actions: ["pull", "push"] }];
    const context = `push blob ${digest} to ${server.host}/r`;
    expect(asked).toEqual([
      {
        registry: server.host,
        scopes,
        context,
        retryBudget: expect.any(RetryBudget),
        method: "POST",
        path: "/v2/r/blobs/uploads/",
        headers: { "content-length": "0" },
        expect: [202],
        idempotent: true,
        onDiscard: expect.any(Function),
      },
      {
        registry: server.host,
        scopes,
        context,
        retryBudget: asked[0]?.retryBudget,
        method: "PUT",
        url: `${server.origin}${SESSION}?digest=${encodeURIComponent(digest)}`,
        headers: { "content-type": "application/octet-stream", "content-length": "1000" },
        body: expect.any(Readable),
        idempotent: false,
        streaming: true,
        expect: [201],
      },
    ]);
    expect(result).toEqual({
      digest,
      size: 1000,
      mounted: false,
      location: `${server.origin}/v2/r/blobs/${digest}`,
    });
    expect(seen[1]?.headers["content-type"]).toBe("application/octet-stream");
    expect(seen[1]?.body.equals(content)).toBe(true);
  });

  it("one budget, of maxRecoveries (default 5), covers every request of the upload", async () => {
    const { asked } = await upload({ digest });
    expect(asked[0]?.retryBudget?.limit).toBe(5);
    const limited = await upload({ digest, maxRecoveries: 2 });
    expect(limited.asked[0]?.retryBudget?.limit).toBe(2);
  });

  it("bytes without a size: the PUT says their length; a stream without one may be large: a streamed PATCH", async () => {
    await upload({ digest });
    expect(seen[1]?.headers["content-length"]).toBe("1000");
    seen = [];
    const { result, asked } = await upload({ digest, source: Readable.from([content]) });
    expect(result).toMatchObject({ digest, size: 1000 });
    expect(asked.map((r) => r.method)).toEqual(["POST", "PATCH", "PUT"]);
    expect(asked[1]?.headers).toEqual({ "content-type": "application/octet-stream" });
    expect(seen[1]?.body.equals(content)).toBe(true);
    expect(seen[2]?.body.length).toBe(0);
  });

  it(`a blob of ${STREAM_FROM} bytes or more goes by streamed PATCH without a length, then an empty PUT ?digest=; one byte less, in the PUT`, async () => {
    const large = randomBytes(STREAM_FROM);
    const largeDigest = sha256(large);
    const { result, asked } = await upload({ source: large, digest: largeDigest, size: large.length });
    expect(result).toMatchObject({ digest: largeDigest, size: STREAM_FROM });
    expect(asked.slice(1)).toEqual(streamedThenClosed(largeDigest));
    expect(asked[2]).not.toHaveProperty("body");
    expect(seen[1]?.body.equals(large)).toBe(true);
    expect(seen[2]?.body.length).toBe(0);

    seen = [];
    const small = large.subarray(0, STREAM_FROM - 1);
    const smallDigest = sha256(small);
    await upload({ source: () => Readable.from([small]), digest: smallDigest, size: small.length });
    expect(seen.map((r) => r.method)).toEqual(["POST", "PUT"]);
    expect(seen[1]?.headers["content-length"]).toBe(String(STREAM_FROM - 1));
    expect(seen[1]?.body.equals(small)).toBe(true);
  });

  it("digest unknown: a streamed PATCH of the bytes, then an empty PUT with the digest computed", async () => {
    const { result, asked } = await upload({ source: () => Readable.from([content]), size: 1000 });
    expect(asked.slice(1)).toEqual(streamedThenClosed(digest));
    expect(asked[2]).not.toHaveProperty("body");
    expect(asked[2]).not.toHaveProperty("idempotent");
    expect(asked[1]).not.toHaveProperty("idempotent");
    expect(result).toEqual({
      digest,
      size: 1000,
      mounted: false,
      location: `${server.origin}/v2/r/blobs/${digest}`,
    });
    expect(seen[1]?.headers["content-range"]).toBeUndefined();
    expect(seen[2]?.body.length).toBe(0);
  });

  it("a stream of unknown size and digest: a PATCH without a length", async () => {
    const { result, asked } = await upload({ source: Readable.from([content]) });
    expect(asked[1]?.headers).toEqual({ "content-type": "application/octet-stream" });
    expect(result).toMatchObject({ digest, size: 1000 });
  });

  it("chunks: each PATCH says its length and its range, and a PATCH answered 204 is taken as well", async () => {
    let patches = 0;
    script = (r) => {
      if (r.method !== "PATCH" || ++patches !== 2) return undefined;
      held += r.body.length;
      return { status: 204, headers: { location: `${SESSION}?two` } };
    };
    const { result, asked } = await upload({ chunkSize: 400 });
    expect(calls()).toEqual([
      "POST /v2/r/blobs/uploads/",
      `PATCH ${SESSION} 0-399`,
      `PATCH ${SESSION} 400-799`,
      `PATCH ${SESSION} 800-999`,
      `PUT ${SESSION}`,
    ]);
    expect(asked[3]?.url).toBe(`${server.origin}${SESSION}?two`); // the Location of the 204
    expect(asked[4]?.url).toBe(`${server.origin}${SESSION}?n=4&digest=${encodeURIComponent(digest)}`);
    expect(asked[3]?.headers).toEqual({
      "content-type": "application/octet-stream",
      "content-length": "200",
      "content-range": "800-999",
    });
    expect(result).toMatchObject({ digest, size: 1000 });
  });

  it("a chunk size of 1 is a chunk size", async () => {
    const { result } = await upload({ source: content.subarray(0, 3), chunkSize: 1 });
    expect(calls().filter((c) => c.startsWith("PATCH"))).toHaveLength(3);
    expect(result).toMatchObject({ digest: sha256(content.subarray(0, 3)), size: 3 });
  });

  it("a signal given goes with every request, those of a recovery too", async () => {
    const signal = new AbortController().signal;
    // the PUT cut off, the session gone: the blob is looked for before a new session is opened
    script = (r) =>
      r.method === "PUT"
        ? "cut"
        : r.method === "GET"
          ? { status: 404, body: errors("BLOB_UPLOAD_UNKNOWN") }
          : r.method === "HEAD"
            ? { status: 200 }
            : undefined;
    const { result, asked } = await upload({ digest, signal });
    expect(result).toEqual({ digest, size: 1000, mounted: false, recoveries: 1 });
    expect(asked.map((r) => r.method)).toEqual(["POST", "PUT", "GET", "DELETE", "HEAD"]);
    // Those that open a session or carry bytes get one that follows it a short while later (upload-stop.ts): so they
    // get their answer, and the Location in it, before an abort ends the upload.
    for (const r of asked.filter((r) => r.method === "GET" || r.method === "HEAD"))
      expect(r.signal).toBe(signal);
    for (const r of asked.filter((r) => r.method === "POST" || r.method === "PUT")) {
      expect(r.signal).toBeInstanceOf(AbortSignal);
      expect(r.signal).not.toBe(signal);
    }
    // The cancel has its own short deadline instead: it is sent when the upload has stopped, whatever stopped it.
    expect(asked.find((r) => r.method === "DELETE")?.signal).toBeInstanceOf(AbortSignal);
    script = () => undefined;
    const without = await upload({ digest });
    for (const r of without.asked) expect(r).not.toHaveProperty("signal");
  });

  it("onProgress hears the bytes read", async () => {
    const progress: number[] = [];
    await upload({ chunkSize: 600, onProgress: (n) => progress.push(n) });
    expect(progress).toEqual([600, 1000]);
  });

  it("OCI-Chunk-Min-Length applies to chunks only, and one that is not a number is no minimum", async () => {
    script = (r) =>
      r.method === "POST"
        ? { status: 202, headers: { location: SESSION, "oci-chunk-min-length": "800" } }
        : undefined;
    await upload({ digest });
    expect(calls().map((c) => c.split(" ")[0])).toEqual(["POST", "PUT"]);
    seen = [];
    script = (r) =>
      r.method === "POST"
        ? { status: 202, headers: { location: SESSION, "oci-chunk-min-length": "lots" } }
        : undefined;
    await upload({ chunkSize: 300 });
    expect(calls().filter((c) => c.startsWith("PATCH"))).toHaveLength(4);
  });
});

describe("upload arguments: refused before any request", () => {
  it.each([0, -1, 1.5])("a chunk size of %d", async (chunkSize) => {
    const { result } = await upload({ chunkSize });
    expect(result).toBeInstanceOf(UsageError);
    expect((result as Error).message).toBe(`invalid chunk size ${chunkSize}`);
    expect(seen).toEqual([]);
  });

  it("an invalid digest", async () => {
    const { result } = await upload({ digest: "sha256:abc" });
    expect(result).toBeInstanceOf(InvalidDigestError);
    expect(seen).toEqual([]);
  });

  it("bytes of another length than the size given", async () => {
    const { result } = await upload({ size: 999, context: "push layer" });
    expect(result).toBeInstanceOf(SizeMismatchError);
    expect((result as Error).message).toBe("push layer: source has 1000 bytes, expected 999");
    expect(result).toMatchObject({ expected: 999, actual: 1000 });
    expect(seen).toEqual([]);
  });

  it("says what failed: the digest when known, the context when given", async () => {
    script = () => ({ status: 202 }); // no Location
    const known = await upload({ digest });
    expect((known.result as Error).message).toBe(
      `push blob ${digest} to ${server.host}/r: registry answered 202 without a Location header`,
    );
    const unknown = await upload({});
    expect((unknown.result as Error).message).toMatch(
      /^push blob to 127\.0\.0\.1:\d+\/r: registry answered 202/,
    );
    const told = await upload({ context: "copy layer 3" });
    expect((told.result as Error).message).toMatch(/^copy layer 3: /);
    expect(told.asked[0]?.context).toBe("copy layer 3");
  });
});

describe("upload: mounting", () => {
  it("asks for pull on the repository mounted from, and reports the mount with its size and Location", async () => {
    script = (r) =>
      r.method === "POST" ? { status: 201, headers: { location: `/v2/r/blobs/${digest}` } } : undefined;
    const { result, asked } = await upload({ digest, size: 1000, mountFrom: "src" });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      method: "POST",
      query: { mount: digest, from: "src" },
      headers: { "content-length": "0" },
      expect: [201, 202],
      scopes: [
        { type: "repository", name: "r", actions: ["pull", "push"] },
        { type: "repository", name: "src", actions: ["pull"] },
      ],
    });
    expect(result).toEqual({
      digest,
      size: 1000,
      mounted: true,
      location: `${server.origin}/v2/r/blobs/${digest}`,
    });
  });

  it("a mount answered without a Location or a size reports neither", async () => {
    script = (r) => (r.method === "POST" ? { status: 201 } : undefined);
    const { result } = await upload({ digest, mountFrom: "src", source: Readable.from([]) });
    expect(result).toEqual({ digest, mounted: true });
  });

  it("a mount answered with another digest is a DigestMismatchError", async () => {
    const other = sha256(Buffer.from("other"));
    script = (r) =>
      r.method === "POST" ? { status: 201, headers: { "docker-content-digest": other } } : undefined;
    const { result } = await upload({ digest, mountFrom: "src" });
    expect(result).toBeInstanceOf(DigestMismatchError);
    expect(result).toMatchObject({ expected: digest, actual: other, status: 201 });
    expect((result as Error).message).toBe(
      `push blob ${digest} to ${server.host}/r: the registry answered 201 with Docker-Content-Digest ${other}, not ${digest}`,
    );
  });

  it("without a digest there is nothing to mount: a plain session", async () => {
    const { asked } = await upload({ mountFrom: "src" });
    expect(asked[0]).not.toHaveProperty("query");
    expect(asked[0]?.expect).toEqual([202]);
  });
});

describe("upload: the single-request POST", () => {
  it("carries the bytes and the digest, and is answered 201 with the blob's Location", async () => {
    script = (r) =>
      r.method === "POST" ? { status: 201, headers: { location: `/v2/r/blobs/${digest}` } } : undefined;
    const { result, asked } = await upload({ digest, singlePost: true });
    expect(asked).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/v2/r/blobs/uploads/",
        query: { digest },
        headers: { "content-type": "application/octet-stream", "content-length": "1000" },
        body: content,
        expect: [201, 202],
        idempotent: true,
      }),
    ]);
    expect(seen[0]?.body.equals(content)).toBe(true);
    expect(result).toEqual({
      digest,
      size: 1000,
      mounted: false,
      location: `${server.origin}/v2/r/blobs/${digest}`,
    });
  });

  it("a 201 without a Location reports none", async () => {
    script = (r) => (r.method === "POST" ? { status: 201 } : undefined);
    const { result } = await upload({ digest, singlePost: true });
    expect(result).toEqual({ digest, size: 1000, mounted: false });
  });

  it.each([
    ["a mount is asked for", { mountFrom: "src" }],
    ["the source is a stream", { source: Readable.from([content]) }],
    ["the digest is unknown", { digest: undefined }],
  ])("is not tried when %s", async (_what, extra) => {
    const memo = { noSinglePost: new Set<string>() };
    await upload({ digest, singlePost: true, ...extra } as Parameters<typeof upload>[0], { memo });
    expect(seen[0]?.body.length).toBe(0);
    expect(new URL(seen[0]?.url ?? "", "http://x").searchParams.has("digest")).toBe(false);
    expect(memo.noSinglePost.size).toBe(0);
  });

  it.each([400, 404, 405, 413, 499])(
    "refused with %d: remembered, and the ordinary POST follows",
    async (status) => {
      script = (_r, i) => (i === 0 ? { status, body: errors("UNSUPPORTED") } : undefined);
      const memo = { noSinglePost: new Set<string>() };
      const { result } = await upload({ digest, singlePost: true }, { memo });
      expect(result).toMatchObject({ digest, size: 1000 });
      expect(calls().map((c) => c.split(" ")[0])).toEqual(["POST", "POST", "PUT"]);
      expect(memo.noSinglePost.has(server.host)).toBe(true);
    },
  );

  it.each([401, 403, 408, 429, 500, 503])(
    "answered %d: that is no refusal of the form, and the upload fails with it",
    async (status) => {
      script = () => ({ status, body: errors("DENIED") });
      const memo = { noSinglePost: new Set<string>() };
      const { result } = await upload({ digest, singlePost: true, maxRecoveries: 0 }, { memo });
      expect(result).toBeInstanceOf(RegistryError);
      expect((result as RegistryError).status).toBe(status);
      expect(seen).toHaveLength(1);
      expect(memo.noSinglePost.size).toBe(0);
      if (status === 401) expect(result).toBeInstanceOf(AuthenticationError);
    },
  );

  it("a connection cut is no refusal either", async () => {
    script = () => "cut";
    const { result } = await upload({ digest, singlePost: true, maxRecoveries: 0 });
    expect(result).toBeInstanceOf(RegistryUnreachableError);
    expect(seen).toHaveLength(1);
  });

  it("a registry remembered as refusing is not asked again", async () => {
    const memo = { noSinglePost: new Set([server.host]) };
    await upload({ digest, singlePost: true }, { memo });
    expect(seen[0]?.url).toBe("/v2/r/blobs/uploads/");
  });
});

describe("upload: the closing PUT", () => {
  it("a 201 without a Location reports none, and a clean upload reports no recoveries", async () => {
    script = (r) => (r.method === "PUT" ? { status: 201 } : undefined);
    const { result } = await upload({ digest });
    expect(result).toEqual({ digest, size: 1000, mounted: false });
  });

  it("a Docker-Content-Digest with trailing whitespace (kept by the HTTP client) names the same blob", async () => {
    script = (r) =>
      r.method === "PUT" ? { status: 201, headers: { "docker-content-digest": `${digest}  ` } } : undefined;
    const { result } = await upload({ digest });
    expect(result).toEqual({ digest, size: 1000, mounted: false });
  });

  it("a Docker-Content-Digest that names another blob is a DigestMismatchError, never retried", async () => {
    const other = sha256(Buffer.from("other"));
    script = (r) =>
      r.method === "PUT" ? { status: 201, headers: { "docker-content-digest": other } } : undefined;
    const { result } = await upload({ source: () => Readable.from([content]) });
    expect(result).toBeInstanceOf(DigestMismatchError);
    expect(result).toMatchObject({ expected: digest, actual: other, status: 201 });
    expect(calls().map((c) => c.split(" ")[0])).toEqual(["POST", "PATCH", "PUT"]);
  });
});

/** The method of each request, in order. */
const methods = () => seen.map((r) => r.method);
/** Answers the n-th (1-based) request of `method` with `reply`; the registry answers the rest. */
function nth(method: string, n: number, reply: Reply | ((r: Seen) => Reply)): (r: Seen) => Reply | undefined {
  let count = 0;
  return (r) =>
    r.method === method && ++count === n ? (typeof reply === "function" ? reply(r) : reply) : undefined;
}

describe("upload recovery: what is taken up again, and how often", () => {
  it.each([
    ["a plain error", new Error("disk gone")],
    ["an error that only claims to be retryable", Object.assign(new Error("odd"), { retryable: true })],
  ])("a source that fails with %s fails the upload at once, session cancelled", async (_what, broken) => {
    let opened = 0;
    const { result } = await upload({
      source: () => {
        opened++;
        throw broken;
      },
    });
    expect(result).toBe(broken);
    expect(opened).toBe(1);
    expect(methods()).toEqual(["POST", "DELETE"]);
  });

  it.each([
    [undefined, 5],
    [2, 2],
    [0, 0],
  ])(
    "maxRecoveries %s: a registry that refuses every chunk (416) is asked where it stands %i times",
    async (max, asks) => {
      script = (r) => (r.method === "PATCH" ? { status: 416 } : undefined);
      const { result, sleeps } = await upload({
        chunkSize: 400,
        ...(max === undefined ? {} : { maxRecoveries: max }),
      });
      expect(result).toBeInstanceOf(RegistryError);
      expect((result as RegistryError).status).toBe(416);
      expect(methods().filter((m) => m === "GET")).toHaveLength(asks);
      expect(methods().at(-1)).toBe("DELETE");
      expect(sleeps).toEqual([]); // a 416 is no sign of a busy registry: no backoff
    },
  );

  it.each([
    ["chunked", { chunkSize: 400 }, 2],
    ["streamed", { source: Readable.from([content]) }, 1],
  ])(
    "a PATCH answered 202 without a Location (%s): a ProtocolError, and the DELETE names the last Location the registry gave",
    async (_, req, nth) => {
      let patches = 0;
      script = (r) => (r.method === "PATCH" && ++patches === nth ? { status: 202 } : undefined);
      const { result } = await upload(req);
      expect((result as Error).name).toBe("ProtocolError");
      expect((result as Error).message).toMatch(/registry answered 202 without a Location header/);
      const last = seen.at(-1);
      expect(last?.method).toBe("DELETE");
      // The Location of the answer before the one without it: the POST's, or the previous chunk's.
      expect(last?.url).toBe(nth === 1 ? SESSION : `${SESSION}?n=${seen.length - 2}`);
    },
  );

  it("a refusal (416) and then only cut connections: the registry's 416, typed, naming the request, not the cut", async () => {
    // A registry that refuses a chunk without reading it and closes the connection: the client's write fails and
    // the answer is lost with the socket, so the attempts after the first one that was read end as cuts.
    let patches = 0;
    script = (r) => (r.method === "PATCH" ? (++patches === 1 ? { status: 416 } : "cut") : undefined);
    const { result } = await upload({ chunkSize: 400, maxRecoveries: 2 });
    expect(result).toBeInstanceOf(RegistryError);
    expect(result).toMatchObject({ status: 416, request: { method: "PATCH" } });
    expect((result as Error).message).toMatch(
      new RegExp(`: 416 .*\\(PATCH ${server.origin}${SESSION}.*\\); tried again, the connection was cut: `),
    );
    expect(methods().at(-1)).toBe("DELETE");
  });

  it("a refusal the registry then took bytes after is not reported for a later cut", async () => {
    let patches = 0;
    script = (r) => {
      if (r.method !== "PATCH") return undefined;
      patches++;
      return patches === 1 ? { status: 416 } : patches === 2 ? undefined : "cut";
    };
    const { result } = await upload({ chunkSize: 400, maxRecoveries: 2 });
    expect(result).toBeInstanceOf(RegistryUnreachableError);
  });

  it("one acknowledged byte: a session reported as 0-0 holds that byte, not nothing", async () => {
    script = nth("PATCH", 2, { status: 416 });
    const { result } = await upload({ source: content.subarray(0, 3), chunkSize: 1 });
    expect(result).toMatchObject({ digest: sha256(content.subarray(0, 3)), recoveries: 1 });
    expect(calls().filter((c) => c.startsWith("PATCH") || c.startsWith("GET"))).toEqual([
      `PATCH ${SESSION} 0-0`,
      `PATCH ${SESSION} 1-1`,
      `GET ${SESSION}`,
      `PATCH ${SESSION} 1-1`,
      `PATCH ${SESSION} 2-2`,
    ]);
  });

  it("SIZE_INVALID from the registry: a factory is read again once, in a new session", async () => {
    script = nth("PUT", 1, { status: 400, body: errors("SIZE_INVALID") });
    let opened = 0;
    const { result } = await upload({
      digest,
      size: content.length,
      source: () => {
        opened++;
        return Readable.from([content]);
      },
    });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(opened).toBe(2);
    expect(methods()).toEqual(["POST", "PUT", "DELETE", "HEAD", "POST", "PUT"]);
  });

  it.each(["SIZE_INVALID", "DIGEST_INVALID"])(
    "%s for bytes handed over is final: the same bytes would fail again",
    async (code) => {
      script = nth("PUT", 1, { status: 400, body: errors(code) });
      const { result } = await upload({ digest });
      expect(result).toBeInstanceOf(RegistryError);
      expect((result as RegistryError).code).toBe(code);
      expect(methods()).toEqual(["POST", "PUT", "DELETE"]);
    },
  );

  it("a caller who aborts while a request fails gets that failure, not a new session", async () => {
    const controller = new AbortController();
    script = nth("PATCH", 1, { status: 416 });
    const { result } = await upload(
      { chunkSize: 400, signal: controller.signal },
      { onError: () => controller.abort() },
    );
    expect(result).toBeInstanceOf(RegistryError);
    expect((result as RegistryError).status).toBe(416);
    expect(methods()).toEqual(["POST", "PATCH", "DELETE"]);
  });
});

describe("upload recovery: waiting for a busy registry", () => {
  it("backs off by the policy, one recovery after another", async () => {
    let busy = 0;
    script = (r) => (r.method === "PATCH" && busy++ < 2 ? { status: 503 } : undefined);
    const { result, sleeps, notices } = await upload({ chunkSize: 400 });
    expect(result).toMatchObject({ digest, recoveries: 2 });
    expect(sleeps).toEqual([50, 100]); // random 0.5 of 100·2^0, then of 100·2^1
    expect(notices).toEqual([]); // short waits are not told
  });

  it("waits what a Retry-After asks, and gives up at once when it asks too much", async () => {
    script = nth("PATCH", 1, { status: 503, headers: { "retry-after": "2" } });
    const asked = await upload({ chunkSize: 400 });
    expect(asked.sleeps).toEqual([2000]);
    expect(asked.result).toMatchObject({ digest, recoveries: 1 });
    // Said without -v: a wait of 2 s or more is the user's to know of.
    expect(asked.notices).toHaveLength(1);
    // In the retry concern's words: the status line and whether Retry-After asked, not the error's whole message
    // (the session URL with its _state, the hint); the upload named short (QA H7: 447 characters).
    expect(asked.notices[0]).toBe(
      `waiting 2 s before going on with the upload to ${server.host}/r (1/5): 503 Service Unavailable, as its Retry-After asks`,
    );
    seen = [];
    script = nth("PATCH", 1, { status: 503, headers: { "retry-after": "61" } });
    const tooLong = await upload({ chunkSize: 400 });
    expect(tooLong.sleeps).toEqual([]);
    expect((tooLong.result as RegistryError).status).toBe(503);
    expect(methods()).toEqual(["POST", "PATCH", "DELETE"]);
  });

  it("a rate limit's notice names the blob by a short digest, and says neither the session URL nor the hint", async () => {
    script = nth("PATCH", 1, {
      status: 429,
      headers: { "retry-after": "3" },
      body: errors("TOOMANYREQUESTS"),
    });
    const { result, notices } = await upload({ chunkSize: 400, digest });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(notices).toEqual([
      `waiting 3 s before going on with the upload of ${digest.slice(0, 19)}… to ${server.host}/r (1/5): 429 Too Many Requests, as its Retry-After asks`,
    ]);
  });

  it("a caller who aborts during the wait gets the failure it waited on, and the session is cancelled", async () => {
    const controller = new AbortController();
    script = nth("PATCH", 1, { status: 503 });
    const { result } = await upload(
      { chunkSize: 400, signal: controller.signal },
      {
        sleep: () => {
          controller.abort();
          return new Promise(() => {}); // only the signal ends this wait
        },
      },
    );
    expect(result).toBeInstanceOf(RegistryError);
    expect((result as RegistryError).status).toBe(503);
    expect(methods()).toEqual(["POST", "PATCH", "DELETE"]);
  });
});

describe("upload recovery: a body too large (413) goes again in chunks", () => {
  const tooLarge: Reply = { status: 413, body: errors("SIZE_INVALID") };

  it("a streamed PATCH of unknown size: chunks of 16 MiB, a quarter of the 64 MiB assumed", async () => {
    script = nth("PATCH", 1, tooLarge);
    const { result } = await upload({ source: () => Readable.from([content]) });
    expect(result).toMatchObject({ digest, size: 1000, recoveries: 1 });
    expect(calls()).toEqual([
      "POST /v2/r/blobs/uploads/",
      `PATCH ${SESSION}`,
      `GET ${SESSION}`,
      `PATCH ${SESSION} 0-999`,
      `PUT ${SESSION}`,
    ]);
  });

  it("a chunk refused: a quarter of it, but never less than the registry's minimum", async () => {
    script = nth("PATCH", 1, tooLarge);
    await upload({ chunkSize: 800 });
    expect(
      calls()
        .filter((c) => c.startsWith("PATCH"))
        .map((c) => c.split(" ")[2]),
    ).toEqual(["0-799", "0-199", "200-399", "400-599", "600-799", "800-999"]);
    seen = [];
    held = 0;
    const post = { status: 202, headers: { location: SESSION, "oci-chunk-min-length": "300" } };
    let patches = 0;
    script = (r) =>
      r.method === "POST" ? post : r.method === "PATCH" && ++patches === 1 ? tooLarge : undefined;
    await upload({ chunkSize: 800 });
    expect(
      calls()
        .filter((c) => c.startsWith("PATCH"))
        .map((c) => c.split(" ")[2]),
    ).toEqual(["0-799", "0-299", "300-599", "600-899", "900-999"]);
  });

  it("a streamed PATCH taken up from an offset and refused: a quarter of what it was to carry", async () => {
    let patches = 0;
    script = (r) => {
      if (r.method !== "PATCH") return undefined;
      if (++patches === 1) {
        held += 200; // the registry kept 200 bytes, then the connection broke
        return "cut";
      }
      return patches === 2 ? tooLarge : undefined;
    };
    const { result } = await upload({ source: () => Readable.from([content]), size: 1000 });
    expect(result).toMatchObject({ digest, recoveries: 2 });
    expect(
      calls()
        .filter((c) => c.startsWith("PATCH"))
        .map((c) => c.split(" ")[2]),
    ).toEqual([undefined, "200-999", "200-399", "400-599", "600-799", "800-999"]);
  });

  it("the monolithic PUT refused: a quarter of what was left", async () => {
    script = nth("PUT", 1, tooLarge);
    await upload({ digest, size: 1000 });
    expect(
      calls()
        .filter((c) => c.startsWith("PATCH"))
        .map((c) => c.split(" ")[2]),
    ).toEqual(["0-249", "250-499", "500-749", "750-999"]);
  });
});

describe("upload recovery: a session the registry no longer has", () => {
  const unknown: Reply = { status: 404, body: errors("BLOB_UPLOAD_UNKNOWN") };

  it("a session whose state cannot be read starts over in a new one", async () => {
    let patches = 0;
    script = (r) =>
      r.method === "PATCH" && ++patches === 2 ? { status: 416 } : r.method === "GET" ? unknown : undefined;
    const { result } = await upload({ chunkSize: 400, source: () => Readable.from([content]) });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(methods()).toEqual([
      "POST",
      "PATCH",
      "PATCH",
      "GET",
      "DELETE",
      "POST",
      "PATCH",
      "PATCH",
      "PATCH",
      "PUT",
    ]);
  });

  it("a chunk answered BLOB_UPLOAD_INVALID (a stale session) starts over in a new session too", async () => {
    script = nth("PATCH", 2, { status: 404, body: errors("BLOB_UPLOAD_INVALID") });
    const { result } = await upload({ chunkSize: 400 });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(methods()).toEqual(["POST", "PATCH", "PATCH", "DELETE", "POST", "PATCH", "PATCH", "PATCH", "PUT"]);
  });

  it("the new session's OCI-Chunk-Min-Length applies to the chunks that follow", async () => {
    let posts = 0;
    script = (r) =>
      r.method === "POST" && ++posts === 2
        ? { status: 202, headers: { location: SESSION, "oci-chunk-min-length": "600" } }
        : r.method === "PATCH" && posts === 1
          ? unknown
          : undefined;
    const { result } = await upload({ chunkSize: 400 });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(
      calls()
        .filter((c) => c.startsWith("PATCH"))
        .map((c) => c.split(" ")[2]),
    ).toEqual(["0-399", "0-599", "600-999"]);
  });

  it("a monolithic upload stays monolithic in the new session, whatever minimum it announces", async () => {
    let posts = 0;
    script = (r) =>
      r.method === "POST" && ++posts === 2
        ? { status: 202, headers: { location: SESSION, "oci-chunk-min-length": "600" } }
        : r.method === "PUT" && posts === 1
          ? unknown
          : undefined;
    const { result } = await upload({ digest });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(methods()).toEqual(["POST", "PUT", "DELETE", "HEAD", "POST", "PUT"]);
  });

  it("looks for the blob with HEAD, and takes an answer it cannot read as not there", async () => {
    script = (r) =>
      r.method === "PUT" && seen.length === 2 ? unknown : r.method === "HEAD" ? { status: 400 } : undefined;
    const { result, asked } = await upload({ digest, maxRecoveries: 1 });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    const head = asked.find((r) => r.method === "HEAD");
    expect(head).toEqual({
      registry: server.host,
      method: "HEAD",
      path: `/v2/r/blobs/${digest}`,
      scopes: [{ type: "repository", name: "r", actions: ["pull", "push"] }],
      expect: [200, 404],
    });
    expect(methods()).toEqual(["POST", "PUT", "DELETE", "HEAD", "POST", "PUT"]);
  });

  it("a closing PUT refused after the chunks: the session is asked, and only the PUT goes again", async () => {
    script = nth("PUT", 1, { status: 416 });
    const { result } = await upload({ chunkSize: 400, source: Readable.from([content]) });
    expect(result).toMatchObject({ digest, size: 1000, recoveries: 1 });
    expect(methods()).toEqual(["POST", "PATCH", "PATCH", "PATCH", "PUT", "GET", "PUT"]);
  });

  it("a streamed PATCH of unknown size taken up from an offset carries no range it cannot know", async () => {
    script = nth("PATCH", 1, (r) => {
      held += 300; // the registry kept the first 300 bytes, then the connection broke
      void r;
      return "cut";
    });
    const { result } = await upload({ source: () => Readable.from([content]) });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(calls()).toEqual([
      "POST /v2/r/blobs/uploads/",
      `PATCH ${SESSION}`,
      `GET ${SESSION}`,
      `PATCH ${SESSION}`,
      `PUT ${SESSION}`,
    ]);
    expect(seen[3]?.body.equals(content.subarray(300))).toBe(true);
  });
});

describe("upload: the source is released whatever the end", () => {
  /** A stream with more to give than the upload reads before it ends; it never ends on its own. */
  const endless = () => {
    const stream = new Readable({ read() {} });
    stream.push(content);
    return stream;
  };

  it("an upload that fails for good releases its source", async () => {
    const stream = endless();
    script = nth("PATCH", 1, { status: 400, body: errors("BLOB_UPLOAD_DENIED") });
    const { result } = await upload({ source: stream, chunkSize: 400 });
    expect(result).toBeInstanceOf(RegistryError);
    expect(stream.destroyed).toBe(true);
  });

  it("a refusal that is no fault (400 BLOB_UPLOAD_DENIED) is final, even for bytes that could be sent again", async () => {
    script = nth("PATCH", 1, { status: 400, body: errors("BLOB_UPLOAD_DENIED") });
    const { result } = await upload({ chunkSize: 400 });
    expect((result as RegistryError).code).toBe("BLOB_UPLOAD_DENIED");
    expect(methods()).toEqual(["POST", "PATCH", "DELETE"]);
  });

  it("an upload found committed after all (HEAD) releases the source it was reading again", async () => {
    const streams: Readable[] = [];
    script = (r) =>
      r.method === "PATCH" && streams.length === 1 && held >= 400
        ? { status: 404, body: errors("BLOB_UPLOAD_UNKNOWN") }
        : r.method === "HEAD"
          ? { status: 200 }
          : undefined;
    const { result } = await upload({
      digest,
      chunkSize: 400,
      source: () => {
        const stream = endless();
        streams.push(stream);
        return stream;
      },
    });
    expect(result).toEqual({ digest, mounted: false, recoveries: 1 });
    expect(methods()).toEqual(["POST", "PATCH", "PATCH", "DELETE", "HEAD"]);
    expect(streams.map((s) => s.destroyed)).toEqual([true]);
  });

  it("a streamed PATCH the registry took whole is not sent again when the closing PUT fails", async () => {
    // one byte: distribution reports a session holding it as 0-0, the same as an empty one
    const one = content.subarray(0, 1);
    script = nth("PUT", 1, { status: 416 });
    const { result } = await upload({ source: () => Readable.from([one]) });
    expect(result).toMatchObject({ digest: sha256(one), size: 1, recoveries: 1 });
    expect(methods()).toEqual(["POST", "PATCH", "PUT", "GET", "PATCH", "PUT"]);
    expect(seen.filter((r) => r.method === "PATCH").map((r) => r.body.length)).toEqual([1, 0]);
  });
});
