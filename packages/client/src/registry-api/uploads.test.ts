import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  DigestMismatchError,
  RegistryError,
  RegistryUnreachableError,
  SizeMismatchError,
} from "@regatta/errors";
import { readRequest, startServer, type TestServer } from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cancelUpload, UploadLocations, uploadStatus } from "./upload-session.js";
import { UploadSource } from "./upload-source.js";
import { type UploadRequest, uploadBlob } from "./uploads.js";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/**
 * A tiny upload-only registry: sessions with a `_state` counter that must be echoed (a stale one is answered 404 and
 * drops the session, as distribution 2.8 does), and switches for the ways registries and networks misbehave.
 */
interface Behaviour {
  /**
   * Cut the connection on the n-th PATCH (1-based), after keeping `keep` bytes of it. `stale`: the kept bytes move
   * the session state on, so the Location the client holds goes stale (distribution 2.8).
   */
  cutPatch?: { nth: number; keep: number; stale?: boolean };
  /** Cut the connection on the n-th PUT, after committing the blob (`commit`) or storing nothing. */
  cutPut?: { nth: number; commit: boolean };
  /** Answer `POST ?digest=` with the bytes with 201. */
  singlePost?: boolean;
  /** Send `OCI-Chunk-Min-Length` and refuse smaller chunks (but the last) with 416. */
  minChunk?: number;
  /** Refuse request bodies larger than this with 413. */
  maxBody?: number;
  /** Answer the first `times` opening POSTs with `status` (and a Location of a session it did open, `location`). */
  failPost?: { times: number; status: number; location?: boolean };
  /** Forget the session on the n-th PATCH: 404 BLOB_UPLOAD_UNKNOWN, as after a registry restart or purge. */
  forgetOnPatch?: number;
  /** Answer the n-th PATCH 416 without storing it, as a registry that lost track of the offset does. */
  refusePatch?: number;
  /** Answer the n-th PATCH 503 (with `Retry-After` when given) without storing it: a registry that is busy. */
  busyPatch?: { nth: number; retryAfter?: string };
  /** Answer every commit (201) with this Docker-Content-Digest instead of the true one. */
  lieDigest?: string;
}
let behaviour: Behaviour;
let blobs: Map<string, Buffer>; // "<repo>@<digest>"
let sessions: Map<string, { parts: Buffer[]; state: number }>;
let server: TestServer;
let transport: Transport;
let nextId = 0;
let patches = 0;
let puts = 0;

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? "", "http://x");
    const body = await readRequest(req);
    const error = (status: number, code: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(`{"errors":[{"code":"${code}","message":"${code.toLowerCase()}"}]}`);
    };
    if (behaviour.maxBody !== undefined && body.length > behaviour.maxBody) return error(413, "SIZE_INVALID");
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:\w+)$/.exec(url.pathname);
    if (req.method === "HEAD" && blob) {
      res.statusCode = blobs.has(`${blob[1]}@${blob[2]}`) ? 200 : 404;
      return void res.end();
    }
    const start = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
    if (req.method === "POST" && start && behaviour.failPost && behaviour.failPost.times > 0) {
      behaviour.failPost.times--;
      const id = String(++nextId);
      if (behaviour.failPost.location) sessions.set(id, { parts: [], state: 0 });
      res.writeHead(behaviour.failPost.status, {
        "content-type": "application/json",
        ...(behaviour.failPost.location ? { location: `/v2/${start[1]}/blobs/uploads/${id}?_state=0` } : {}),
      });
      return void res.end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
    }
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
      const single = url.searchParams.get("digest");
      if (single && behaviour.singlePost) {
        if (sha256(body) !== single) return error(400, "DIGEST_INVALID");
        blobs.set(`${repo}@${single}`, body);
        res.writeHead(201, {
          location: `/v2/${repo}/blobs/${single}`,
          ...(behaviour.lieDigest ? { "docker-content-digest": behaviour.lieDigest } : {}),
        });
        return void res.end();
      }
      const id = String(++nextId);
      sessions.set(id, { parts: [], state: 0 });
      res.writeHead(202, {
        location: `/v2/${repo}/blobs/uploads/${id}?_state=0`,
        "docker-upload-uuid": id,
        ...(behaviour.minChunk ? { "oci-chunk-min-length": String(behaviour.minChunk) } : {}),
      });
      return void res.end();
    }
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/(\w+)$/.exec(url.pathname);
    const id = upload?.[2] ?? "";
    const session = sessions.get(id);
    if (!upload || !session) return error(404, "BLOB_UPLOAD_UNKNOWN");
    if (url.searchParams.get("_state") !== String(session.state)) {
      sessions.delete(id);
      return error(404, "BLOB_UPLOAD_INVALID");
    }
    const repo = upload[1] ?? "";
    const have = session.parts.reduce((n, p) => n + p.length, 0);
    const next = () => `/v2/${repo}/blobs/uploads/${id}?_state=${session.state}`;
    if (req.method === "DELETE") {
      sessions.delete(id);
      res.statusCode = 204;
      return void res.end();
    }
    if (req.method === "GET") {
      res.writeHead(204, { location: next(), range: `0-${Math.max(0, have - 1)}` });
      return void res.end();
    }
    const range = req.headers["content-range"];
    if (range && range !== `${have}-${have + body.length - 1}`) {
      res.statusCode = 416;
      return void res.end();
    }
    if (req.method === "PATCH") {
      patches++;
      if (behaviour.forgetOnPatch === patches) {
        sessions.delete(id);
        return error(404, "BLOB_UPLOAD_UNKNOWN");
      }
      if (behaviour.busyPatch?.nth === patches) {
        res.writeHead(
          503,
          behaviour.busyPatch.retryAfter ? { "retry-after": behaviour.busyPatch.retryAfter } : {},
        );
        return void res.end();
      }
      if (behaviour.refusePatch === patches) {
        res.statusCode = 416;
        return void res.end();
      }
      if (behaviour.minChunk && body.length < behaviour.minChunk && have + body.length < content.length) {
        res.statusCode = 416;
        return void res.end();
      }
      if (behaviour.cutPatch?.nth === patches) {
        if (behaviour.cutPatch.keep > 0) session.parts.push(body.subarray(0, behaviour.cutPatch.keep));
        if (behaviour.cutPatch.stale) session.state++;
        return void req.socket.destroy();
      }
      session.parts.push(body);
      session.state++;
      // alternate absolute and relative Locations: both must be honoured
      res.writeHead(202, {
        location: session.state % 2 ? `${server.origin}${next()}` : next(),
        range: `0-${have + body.length - 1}`,
      });
      return void res.end();
    }
    puts++;
    if (behaviour.cutPut?.nth === puts && !behaviour.cutPut.commit) return void req.socket.destroy();
    session.parts.push(body);
    const all = Buffer.concat(session.parts);
    const digest = url.searchParams.get("digest") ?? "";
    if (sha256(all) !== digest) return error(400, "DIGEST_INVALID");
    blobs.set(`${repo}@${digest}`, all);
    sessions.delete(id);
    if (behaviour.cutPut?.nth === puts) return void req.socket.destroy();
    res.writeHead(201, {
      location: `/v2/${repo}/blobs/${digest}`,
      "docker-content-digest": behaviour.lieDigest ?? digest,
    });
    res.end();
  });
  // Node closes an idle keep-alive connection after 5 s; on a loaded machine the client can reuse it just as it closes
  // (a reset no test asked for), so connections stay open for as long as the file runs.
  server.server.keepAliveTimeout = 60_000;
  transport = new Transport({ retry: { attempts: 0 } });
});
afterAll(async () => {
  await transport.close();
  await server.close();
});
beforeEach(() => {
  behaviour = {};
  blobs = new Map();
  sessions = new Map();
  server.requests.length = 0;
  patches = 0;
  puts = 0;
});

const content = randomBytes(3500);
const digest = sha256(content);
/** `content` with the byte at `at` flipped: one corrupt byte in transit. */
const flipped = (at: number) => {
  const bad = Buffer.from(content);
  bad[at] = (bad[at] ?? 0) ^ 0xff;
  return bad;
};
/** The chunked upload of `content` in chunks of 1000, from byte 0 to the closing PUT. */
const allChunks = ["PATCH 0-999", "PATCH 1000-1999", "PATCH 2000-2999", "PATCH 3000-3499", "PUT"];
const calls = () => server.requests.map((r) => `${r.method} ${r.headers["content-range"] ?? ""}`.trim());

describe("UploadSource", () => {
  it("re-cuts a stream into fixed-size chunks", async () => {
    const source = new UploadSource(Readable.from([Buffer.alloc(5), Buffer.alloc(7), Buffer.alloc(1)]), {
      what: "t",
    });
    const out: number[] = [];
    for (let c = await source.next(4); c; c = await source.next(4)) out.push(c.length);
    expect(out).toEqual([4, 4, 4, 1]);
  });

  it("goes on from any byte of a replayable source, hashing what it skips", async () => {
    const source = new UploadSource(() => Readable.from([content.subarray(0, 700), content.subarray(700)]), {
      what: "t",
      digest,
    });
    await source.next(1000);
    await source.seek(1500);
    expect(source.offset).toBe(1500);
    const rest: Buffer[] = [];
    for await (const c of source.rest()) rest.push(c as Buffer);
    expect(Buffer.concat(rest).equals(content.subarray(1500))).toBe(true);
    expect(source.digest()).toBe(digest);
  });

  it("refuses to go back on a one-shot stream", async () => {
    const source = new UploadSource(Readable.from([content]), { what: "t" });
    await source.next(1000);
    await expect(source.seek(0)).rejects.toThrow(/can only be read once/);
  });
});

describe("blob upload", () => {
  it("monolithic: POST then PUT ?digest= with the bytes", async () => {
    const result = await uploadBlob(transport, {
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
    const result = await uploadBlob(transport, {
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
    const result = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: () => Readable.from([content]),
      chunkSize: 1000,
    });
    expect(result).toMatchObject({ digest, size: 3500, mounted: false });
    expect(calls()).toEqual(["POST", ...allChunks]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("mounts from another repository when the registry can (201)", async () => {
    blobs.set(`src@${digest}`, content);
    const result = await uploadBlob(transport, {
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
    const result = await uploadBlob(transport, {
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

  it("a wrong digest is caught while the bytes stream, before the registry commits anything", async () => {
    const wrong = sha256(Buffer.from("other"));
    const err = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: () => Readable.from([content]),
      digest: wrong,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toContain(`not ${wrong} as given`);
    expect(blobs.size).toBe(0);
    expect(calls().at(-1)).toBe("DELETE"); // the session is cancelled
  });

  it("unverified (verify: false), a wrong digest is the registry's DIGEST_INVALID", async () => {
    const err = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: content,
      digest: sha256(Buffer.from("other")),
      verify: false,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.code).toBe("DIGEST_INVALID");
  });

  it("a source shorter than the announced size fails before the closing PUT", async () => {
    const err = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: () => Readable.from([content]),
      size: 4000,
      chunkSize: 2048,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    // A factory is read again once (a copy's download may have been cut short in transit), then it is final.
    const once = ["POST", "PATCH 0-2047", "PATCH 2048-3499", "DELETE"];
    expect(calls()).toEqual([...once, ...once]);
    server.requests.length = 0;
    const early = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: content,
      size: 4000,
    }).catch((e) => e);
    expect(early).toBeInstanceOf(SizeMismatchError);
    expect(calls()).toEqual([]);
  });
});

/** An upload of `content` to repository `r`, from a stream factory, with `options` on top. */
const uploadContent = (options: Partial<UploadRequest>) =>
  uploadBlob(transport, {
    registry: server.host,
    repository: "r",
    source: () => Readable.from([content]),
    ...options,
  });

describe("blob upload: single request, chunk sizes", () => {
  it("single POST: one request when the registry supports it", async () => {
    behaviour.singlePost = true;
    const t = new Transport({ retry: { attempts: 0 } });
    try {
      const result = await uploadBlob(t, {
        registry: server.host,
        repository: "r",
        source: content,
        digest,
        singlePost: true,
      });
      expect(result).toMatchObject({ digest, size: 3500, mounted: false });
      expect(calls()).toEqual(["POST"]);
      expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it("single POST refused with 202: the bytes go by PUT, and the registry is not asked again", async () => {
    const t = new Transport({ retry: { attempts: 0 } });
    try {
      await uploadBlob(t, {
        registry: server.host,
        repository: "r",
        source: content,
        digest,
        singlePost: true,
      });
      expect(calls()).toEqual(["POST", "PUT"]);
      expect(server.requests[0]?.url).toContain("digest=");
      server.requests.length = 0;
      await uploadBlob(t, {
        registry: server.host,
        repository: "s",
        source: content,
        digest,
        singlePost: true,
      });
      expect(server.requests[0]?.url).toBe("/v2/s/blobs/uploads/");
    } finally {
      await t.close();
    }
  });

  it("single POST refused outright (413): the ordinary POST follows", async () => {
    behaviour.maxBody = 4000;
    const t = new Transport({ retry: { attempts: 0 } });
    try {
      const big = Buffer.concat([content, content]);
      await uploadBlob(t, {
        registry: server.host,
        repository: "r",
        source: big,
        digest: sha256(big),
        singlePost: true,
      });
      expect(calls().slice(0, 3)).toEqual(["POST", "POST", "PUT"]);
      expect(server.requests[1]?.url).toBe("/v2/r/blobs/uploads/");
      expect(blobs.get(`r@${sha256(big)}`)?.equals(big)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it("honours OCI-Chunk-Min-Length: chunks are never smaller than the registry asks", async () => {
    behaviour.minChunk = 2048;
    const result = await uploadContent({
      chunkSize: 1000,
    });
    expect(result.digest).toBe(digest);
    expect(calls()).toEqual(["POST", "PATCH 0-2047", "PATCH 2048-3499", "PUT"]);
  });

  it("a body refused as too large (413) is sent again in chunks", async () => {
    behaviour.maxBody = 1000;
    const result = await uploadContent({
      digest,
      size: content.length,
    });
    expect(result).toMatchObject({ digest, size: 3500, recoveries: 1 });
    expect(calls()).toEqual([
      "POST",
      "PUT",
      "GET",
      "PATCH 0-874",
      "PATCH 875-1749",
      "PATCH 1750-2624",
      "PATCH 2625-3499",
      "PUT",
    ]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });
});

describe("blob upload: the chunk in flight, sent again", () => {
  it("a chunk refused as too large (413) goes again as smaller chunks, not as the same chunk", async () => {
    behaviour.maxBody = 700;
    const result = await uploadContent({ chunkSize: 1000 });
    expect(result).toMatchObject({ digest, size: 3500, recoveries: 1 });
    expect(calls()).toEqual([
      "POST",
      "PATCH 0-999",
      "GET",
      ...Array.from({ length: 14 }, (_, i) => `PATCH ${i * 250}-${i * 250 + 249}`),
      "PUT",
    ]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });
});

describe("blob upload: interrupted and taken up again", () => {
  it.each([
    [
      "before the registry kept anything: GET says where it stands, the chunk goes again",
      0,
      0,
      ["PATCH 2000-2999", "PATCH 3000-3499"],
    ],
    [
      "half-way: only the missing part of the chunk is sent, topped up to a whole chunk",
      400,
      0,
      ["PATCH 2400-3399", "PATCH 3400-3499"],
    ],
    [
      // the part not taken goes with the next bytes, so no chunk but the last is below the registry's minimum
      "half-way, the registry's minimum a whole chunk: the missing part is topped up, not sent short",
      400,
      1000,
      ["PATCH 2400-3399", "PATCH 3400-3499"],
    ],
  ])("a PATCH cut off %s", async (_what, keep, minChunk, again) => {
    behaviour.cutPatch = { nth: 3, keep };
    if (minChunk) behaviour.minChunk = minChunk;
    // a one-shot stream: the chunk in flight is all that is needed to go on
    const result = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: Readable.from([content]),
      chunkSize: 1000,
    });
    expect(result).toMatchObject({ digest, size: 3500, recoveries: 1 });
    expect(calls()).toEqual([
      "POST",
      "PATCH 0-999",
      "PATCH 1000-1999",
      "PATCH 2000-2999",
      "GET",
      ...again,
      "PUT",
    ]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("a streamed PATCH cut off: a replayable source is read again from the offset the registry holds", async () => {
    behaviour.cutPatch = { nth: 1, keep: 1200 };
    const result = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: () => Readable.from([content.subarray(0, 2000), content.subarray(2000)]),
      size: content.length,
    });
    expect(result).toMatchObject({ digest, size: 3500, recoveries: 1 });
    expect(calls()).toEqual(["POST", "PATCH", "GET", "PATCH 1200-3499", "PUT"]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it.each([
    ["cut off: the session is asked, and the bytes go again", false, ["POST", "PUT", "GET", "PUT"]],
    [
      "answered, but the answer lost after the commit: the blob is found by HEAD, nothing is sent again",
      true,
      ["POST", "PUT", "GET", "DELETE", "HEAD"],
    ],
  ])("the monolithic PUT %s", async (_what, commit, expected) => {
    behaviour.cutPut = { nth: 1, commit };
    const result = await uploadContent({
      digest,
      size: content.length,
    });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(calls()).toEqual(expected);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("a session the registry dropped (stale Location): a new session from byte 0 when the source can be read again", async () => {
    // The cut leaves the registry with bytes the last Location does not know of: distribution then drops the session.
    behaviour.cutPatch = { nth: 2, keep: 300, stale: true };
    const result = await uploadContent({
      chunkSize: 1000,
      digest,
    });
    expect(result.digest).toBe(digest);
    const seen = calls();
    expect(seen.slice(0, 5)).toEqual(["POST", "PATCH 0-999", "PATCH 1000-1999", "GET", "DELETE"]);
    expect(seen.slice(5)).toEqual(["HEAD", "POST", ...allChunks]);
  });

  it("a streamed PATCH of a one-shot stream cut off cannot go on: the network error, and the session cancelled", async () => {
    behaviour.cutPatch = { nth: 1, keep: 0 };
    const err = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: Readable.from([content]),
      size: content.length,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(calls()).toEqual(["POST", "PATCH", "GET", "DELETE"]);
  });

  it("uploadStatus and cancelUpload speak to a session directly", async () => {
    behaviour.cutPatch = { nth: 2, keep: 0 };
    const opened = await fetch(`${server.origin}/v2/r/blobs/uploads/`, { method: "POST" });
    const answered = { headers: { location: opened.headers.get("location") ?? "" }, url: opened.url };
    const location = new UploadLocations(server.host, "r", answered, "t");
    const status = await uploadStatus((r) => transport.request(r), {
      registry: server.host,
      repository: "r",
      location,
    });
    expect(status).toEqual({ location: location.location, offset: 0 });
    await cancelUpload((r) => transport.request(r), { registry: server.host, repository: "r", location });
    expect(sessions.size).toBe(0);
    await cancelUpload((r) => transport.request(r), { registry: server.host, repository: "r", location }); // gone: still fine
  });
});

describe("blob upload: transient faults and wrong bytes (issue 10, item 9)", () => {
  it("a 503 on the opening POST is retried, and the upload goes through", async () => {
    behaviour.failPost = { times: 2, status: 503 };
    const result = await uploadContent({ digest, size: content.length });
    expect(result.digest).toBe(digest);
    expect(calls()).toEqual(["POST", "POST", "POST", "PUT"]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("a session opened by an answer that was retried anyway is cancelled, not left behind", async () => {
    behaviour.failPost = { times: 1, status: 503, location: true };
    await uploadContent({ digest, size: content.length });
    expect(calls()).toEqual(["POST", "DELETE", "POST", "PUT"]);
    expect(sessions.size).toBe(0);
  });

  it("a session the registry no longer knows (404 BLOB_UPLOAD_UNKNOWN on a PATCH) starts over in a new one", async () => {
    behaviour.forgetOnPatch = 2;
    const result = await uploadContent({ chunkSize: 1000, digest });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(calls()).toEqual([
      "POST",
      "PATCH 0-999",
      "PATCH 1000-1999",
      "DELETE",
      "HEAD",
      "POST",
      ...allChunks,
    ]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("a 416 on a chunk resynchronises: GET says where the session stands and the chunk goes again from there", async () => {
    behaviour.refusePatch = 2;
    const result = await uploadBlob(transport, {
      registry: server.host,
      repository: "r",
      source: Readable.from([content]), // one-shot: only the chunk in memory can be sent again
      chunkSize: 1000,
    });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(calls()).toEqual([
      "POST",
      "PATCH 0-999",
      "PATCH 1000-1999",
      "GET",
      "PATCH 1000-1999",
      "PATCH 2000-2999",
      "PATCH 3000-3499",
      "PUT",
    ]);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("a source that delivers wrong bytes once (a corrupt download) is fetched again in a new session", async () => {
    const corrupt = flipped(1234);
    let opened = 0;
    const result = await uploadContent({
      source: () => Readable.from([++opened === 1 ? corrupt : content]),
      digest,
      size: content.length,
    });
    expect(result).toMatchObject({ digest, recoveries: 1 });
    expect(opened).toBe(2);
    // The first PUT is aborted as the wrong bytes end, so it may not even reach the server.
    expect(calls().filter((c) => c !== "PUT")).toEqual(["POST", "DELETE", "HEAD", "POST"]);
    expect(calls().at(-1)).toBe("PUT");
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("wrong bytes twice: one fetch again only, then the DigestMismatchError, nothing committed", async () => {
    const corrupt = flipped(0);
    let opened = 0;
    const err = await uploadContent({
      source: () => {
        opened++;
        return Readable.from([corrupt]);
      },
      digest,
      size: content.length,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(opened).toBe(2);
    expect(blobs.size).toBe(0);
  });

  it("unverified (verify: false), the registry's DIGEST_INVALID also fetches the source again once", async () => {
    const corrupt = flipped(99);
    let opened = 0;
    const result = await uploadContent({
      source: () => Readable.from([++opened === 1 ? corrupt : content]),
      digest,
      size: content.length,
      verify: false,
    });
    expect(result.digest).toBe(digest);
    expect(opened).toBe(2);
    expect(blobs.get(`r@${digest}`)?.equals(content)).toBe(true);
  });

  it("a commit answered with another Docker-Content-Digest is a DigestMismatchError, not a success nor a retry", async () => {
    const lie = `sha256:${"e".repeat(64)}`;
    behaviour.lieDigest = lie;
    const err = await uploadContent({ digest, size: content.length }).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toContain(`Docker-Content-Digest ${lie}, not ${digest}`);
    expect(calls()).toEqual(["POST", "PUT"]);

    server.requests.length = 0;
    behaviour.singlePost = true;
    const single = await uploadBlob(transport, {
      registry: server.host,
      repository: "s",
      source: content,
      digest,
      singlePost: true,
    }).catch((e) => e);
    expect(single).toBeInstanceOf(DigestMismatchError);
    expect(calls()).toEqual(["POST"]);
  });

  it.each([
    ["waits as long as its Retry-After asks", "3", [3000]],
    ["without one, backs off by the retry policy", undefined, [100]],
  ])("a PATCH answered 503 %s before taking the upload up again", async (_what, retryAfter, waits) => {
    behaviour.busyPatch = { nth: 2, ...(retryAfter ? { retryAfter } : {}) };
    const sleeps: number[] = [];
    const patient = new Transport({ sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
    try {
      const result = await uploadBlob(patient, {
        registry: server.host,
        repository: "r",
        source: Readable.from([content]),
        chunkSize: 1000,
      });
      expect(result).toMatchObject({ digest, recoveries: 1 });
    } finally {
      await patient.close();
    }
    expect(sleeps).toEqual(waits);
    expect(calls()).toEqual(["POST", "PATCH 0-999", "PATCH 1000-1999", "GET", ...allChunks.slice(1)]);
  });

  it("a PATCH answered 503 with a Retry-After beyond what is ever waited for gives up, session cancelled", async () => {
    behaviour.busyPatch = { nth: 1, retryAfter: "3600" };
    const sleeps: number[] = [];
    const patient = new Transport({ sleep: async (ms) => void sleeps.push(ms) });
    const err = await uploadBlob(patient, {
      registry: server.host,
      repository: "r",
      source: content,
      chunkSize: 1000,
    })
      .catch((e) => e)
      .finally(() => patient.close());
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(503);
    expect(sleeps).toEqual([]);
    expect(calls()).toEqual(["POST", "PATCH 0-999", "DELETE"]);
  });
});
