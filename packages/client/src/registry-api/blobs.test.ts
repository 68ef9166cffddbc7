import { createHash, randomBytes } from "node:crypto";
import { DigestMismatchError, InvalidDigestError, SizeMismatchError } from "@regatta/errors";
import { collect, startServer, type TestServer } from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BlobRequest, blobGet, parseContentRange } from "./blobs.js";

const content = randomBytes(100_000);
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
type Mode =
  | "ok"
  | "tampered"
  | "short-length"
  | "truncated-chunked"
  | "overrun-chunked"
  | "endless-chunked"
  | "endless-unsized"
  | "unsized"
  | "huge-head"
  | "ignore-range"
  | "redirect";
let mode: Mode = "ok";
let registry: TestServer;
let storage: TestServer;
let transport: Transport;

beforeAll(async () => {
  storage = await startServer((_req, res) => {
    res.writeHead(200, { "content-length": String(content.length) });
    res.end(content);
  });
  registry = await startServer((req, res) => {
    if (req.url !== `/v2/a/blobs/${digest}`) {
      res.statusCode = 404;
      return void res.end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    switch (mode) {
      case "tampered": {
        const bad = Buffer.from(content);
        bad[500] = (bad[500] ?? 0) ^ 0xff;
        res.writeHead(200, { "content-length": String(bad.length) });
        return void res.end(bad);
      }
      case "short-length":
        res.writeHead(200, { "content-length": String(content.length - 10) });
        return void res.end(content.subarray(10));
      case "truncated-chunked":
        res.writeHead(200);
        return void res.end(content.subarray(0, content.length - 10));
      case "overrun-chunked":
        res.writeHead(200);
        res.write(content);
        return void res.end(Buffer.alloc(10));
      case "redirect":
        res.writeHead(307, { location: `${storage.origin}/bucket/blob` });
        return void res.end();
      case "unsized":
        // Neither the HEAD nor the GET gives a size; the GET sends the blob and ends.
        if (req.method === "HEAD") return void res.writeHead(200).end();
        res.writeHead(200);
        return void res.end(content);
      case "endless-unsized":
      case "huge-head":
      case "endless-chunked": {
        // No Content-Length on the GET, and bytes for ever; only the HEAD says how long the blob is (endless-chunked:
        // its size, huge-head: 1 TiB; endless-unsized: nothing).
        const length = {
          "endless-chunked": content.length,
          "huge-head": 2 ** 40,
          "endless-unsized": undefined,
        }[mode];
        if (req.method === "HEAD")
          return void res.writeHead(200, length ? { "content-length": String(length) } : {}).end();
        res.writeHead(200);
        const more = () => {
          if (res.destroyed || res.writableEnded) return;
          if (res.write(Buffer.alloc(65_536))) setImmediate(more);
          else res.once("drain", more);
        };
        res.write(content);
        return void more();
      }
    }
    if (range && mode === "ok") {
      const start = Number(range[1]);
      res.writeHead(206, {
        "content-length": String(content.length - start),
        "content-range": `bytes ${start}-${content.length - 1}/${content.length}`,
      });
      return void res.end(content.subarray(start));
    }
    res.writeHead(200, { "content-length": String(content.length) });
    res.end(content);
  });
  // Node closes an idle keep-alive connection after 5 s; on a loaded machine the client can reuse it just as it closes
  // (a reset no test asked for), so connections stay open for as long as the file runs.
  storage.server.keepAliveTimeout = 60_000;
  registry.server.keepAliveTimeout = 60_000;
  transport = new Transport({ retry: { attempts: 0 } });
});
afterAll(async () => {
  await transport.close();
  await registry.close();
  await storage.close();
});
beforeEach(() => {
  mode = "ok";
});

const blob = (extra: Partial<BlobRequest> = {}) =>
  blobGet(transport, { registry: registry.host, repository: "a", digest, size: content.length, ...extra });

describe("parseContentRange", () => {
  it.each([
    ["bytes 10-99/100", { start: 10, end: 99, total: 100 }],
    ["bytes 0-0/*", { start: 0, end: 0 }],
    ["10-99/100", undefined],
    [" bytes 1-2/3 ", { start: 1, end: 2, total: 3 }], // surrounding whitespace is not part of the value
    ["xbytes 1-2/3", undefined],
    ["bytes 1-2/3x", undefined],
    ["bytes 1-2/3/4", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s", (value, expected) => expect(parseContentRange(value)).toEqual(expected));
});

describe("blob download", () => {
  it("streams a good blob and reports its size", async () => {
    const download = await blob();
    expect(download.size).toBe(content.length);
    expect(download.offset).toBe(0);
    expect((await collect(download.stream)).equals(content)).toBe(true);
  });

  it("follows the redirect to storage", async () => {
    mode = "redirect";
    const download = await blob();
    expect((await collect(download.stream)).equals(content)).toBe(true);
  });

  it("works without a known size (digest still checked)", async () => {
    const download = await blobGet(transport, { registry: registry.host, repository: "a", digest });
    expect(download.size).toBe(content.length);
    expect((await collect(download.stream)).length).toBe(content.length);
  });

  it("fails a tampered blob with DigestMismatchError on the stream", async () => {
    mode = "tampered";
    const download = await blob();
    const err = await collect(download.stream).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.expected).toBe(digest);
    expect(err.message).toMatch(
      /^blob sha256:[0-9a-f]{64} from 127\.0\.0\.1:\d+\/a: content digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:/,
    );
  });

  it("refuses a Content-Length that disagrees with the descriptor before streaming", async () => {
    mode = "short-length";
    const err = await blob().catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err).toMatchObject({ expected: content.length, actual: content.length - 10 });
  });

  it("fails a truncated chunked blob with SizeMismatchError at EOF", async () => {
    mode = "truncated-chunked";
    const err = await collect((await blob()).stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/content of sha256:[0-9a-f]{64} is 99990 bytes, expected 100000/);
  });

  it("fails an overlong blob as soon as it overruns", async () => {
    mode = "overrun-chunked";
    const err = await collect((await blob()).stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/is longer than the expected 100000 bytes/);
  });

  it("bounds an endless body of a blob whose size nobody gave by its HEAD's Content-Length", async () => {
    mode = "endless-chunked";
    const download = await blobGet(transport, { registry: registry.host, repository: "a", digest });
    expect(download.size).toBe(content.length);
    const err = await collect(download.stream).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/is longer than the expected 100000 bytes/);
  });

  describe("maxSize", () => {
    const unsized = (maxSize: number) =>
      blobGet(transport, { registry: registry.host, repository: "a", digest, maxSize });

    it("cuts a body nobody gave a size for as soon as more than maxSize has arrived", async () => {
      mode = "endless-unsized";
      const download = await unsized(200_000);
      expect(download.size).toBeUndefined();
      const err = await collect(download.stream).catch((e) => e);
      expect(err).toBeInstanceOf(SizeMismatchError);
      expect(err.code).toBe("SIZE_LIMIT");
      expect(err.expected).toBe(200_000);
      expect(err.actual).toBeGreaterThan(200_000);
      expect(err.actual).toBeLessThanOrEqual(200_000 + 65_536);
      expect(err.message).toMatch(
        /^blob sha256:[0-9a-f]{64} from 127\.0\.0\.1:\d+\/a: more than the limit of 200000 bytes arrived \(\d+ so far\), and the registry gave no size for the blob$/,
      );
    });

    it("reads a blob of no known size up to maxSize whole, the limit itself included", async () => {
      mode = "unsized";
      const download = await unsized(content.length);
      expect((await collect(download.stream)).equals(content)).toBe(true);
      mode = "unsized";
      const over = await collect((await unsized(content.length - 1)).stream).catch((e) => e);
      expect(over.code).toBe("SIZE_LIMIT");
    });

    it("refuses a blob the registry says is larger before reading its body; a descriptor's size before any request", async () => {
      mode = "huge-head";
      const err = await unsized(1_000_000).catch((e) => e);
      expect(err).toBeInstanceOf(SizeMismatchError);
      expect([err.code, err.expected, err.actual]).toEqual(["SIZE_LIMIT", 1_000_000, 2 ** 40]);
      expect(err.message).toMatch(
        /: the blob is 1099511627776 bytes, more than the limit of 1000000; nothing/,
      );
      const before = registry.requests.length;
      const described = await blob({ maxSize: content.length - 1 }).catch((e) => e);
      expect([described.code, described.actual]).toEqual(["SIZE_LIMIT", content.length]);
      expect(registry.requests.length).toBe(before);
    });

    it("a known size bounds the body by itself: a larger maxSize changes nothing", async () => {
      mode = "endless-chunked";
      const err = await collect((await unsized(10 * content.length)).stream).catch((e) => e);
      expect(err).toBeInstanceOf(SizeMismatchError);
      expect(err.message).toMatch(/is longer than the expected 100000 bytes/);
    });

    it.each([0, -1, 1.5, Number.NaN])("refuses maxSize %s before any request", async (maxSize) => {
      const before = registry.requests.length;
      await expect(unsized(maxSize)).rejects.toThrow(/maxSize must be a positive whole number/);
      expect(registry.requests.length).toBe(before);
    });
  });

  it("resumes with Range from an offset, hashing the prefix the caller holds", async () => {
    const offset = 40_000;
    const download = await blob({ offset, prefix: content.subarray(0, offset) });
    expect(download.offset).toBe(offset);
    expect((await collect(download.stream)).equals(content.subarray(offset))).toBe(true);
    expect(registry.requests.at(-1)?.headers.range).toBe(`bytes=${offset}-`);
  });

  it("skips the first bytes when the server ignores Range and answers 200", async () => {
    mode = "ignore-range";
    const offset = 12_345;
    async function* prefix() {
      yield content.subarray(0, 5000);
      yield content.subarray(5000, offset);
    }
    const download = await blob({ offset, prefix: prefix() });
    expect((await collect(download.stream)).equals(content.subarray(offset))).toBe(true);
  });

  it("a corrupt prefix makes the whole blob fail its digest", async () => {
    const prefix = Buffer.from(content.subarray(0, 100));
    prefix[0] = (prefix[0] ?? 0) ^ 1;
    const err = await collect((await blob({ offset: 100, prefix })).stream).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
  });

  it("checks arguments before any request", async () => {
    const before = registry.requests.length;
    await expect(
      blobGet(transport, { registry: registry.host, repository: "a", digest: "sha256:abc" }),
    ).rejects.toBeInstanceOf(InvalidDigestError);
    await expect(blob({ offset: 10 })).rejects.toThrow(/needs the bytes already held/);
    await expect(blob({ offset: 200_000 })).rejects.toThrow(/offset 200000 is past its size 100000/);
    expect(registry.requests.slice(before)).toEqual([]);
    // the prefix is read once the response says how big the blob is; the answer is released
    await expect(blob({ offset: 10, prefix: Buffer.alloc(9) })).rejects.toThrow(
      /prefix has 9 bytes but offset is 10/,
    );
  });

  it("an unknown blob is a NotFoundError with the context", async () => {
    const other = `sha256:${"0".repeat(64)}`;
    const err = await blobGet(transport, {
      registry: registry.host,
      repository: "a",
      digest: other,
      context: "pull layer",
    }).catch((e) => e);
    expect(err.message).toMatch(/^pull layer: 404 BLOB_UNKNOWN: blob unknown/);
  });
});
