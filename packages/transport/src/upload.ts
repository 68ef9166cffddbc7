/**
 * Blob upload, as the distribution spec describes it
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs):
 *
 * 1. `POST /v2/<name>/blobs/uploads/` opens a session (202 + Location); with `?mount=<digest>&from=<repo>` the
 *    registry may mount an existing blob instead (201) or fall back to a session (202).
 * 2. The bytes: one `PUT <location>?digest=` when the digest is known (monolithic); otherwise one streamed `PATCH`
 *    hashed on the fly; or, with `chunkSize`, `PATCH`es with `Content-Range`, each to the Location the previous
 *    answer gave (it may carry new state).
 * 3. `PUT <location>?digest=<digest>` closes the session (201).
 *
 * POST and PATCH are never retried by the transport (the registry may have acted on them); the final PUT is, when
 * its body can be replayed.
 */
import { Readable, Transform } from "node:stream";
import type { Scope } from "@regatta/auth";
import { ProtocolError, SizeMismatchError, UsageError } from "@regatta/errors";
import { Digester, parseDigest } from "@regatta/manifest";
import type { RegistryResponse } from "./response.js";
import type { RegistryRequest, UploadRequest, UploadResult } from "./types.js";

type RequestFn = (request: RegistryRequest) => Promise<RegistryResponse>;

const OCTET_STREAM = "application/octet-stream";

/** The Location of an upload session, absolute (relative ones are resolved against the answering URL). */
function locationOf(response: RegistryResponse, what: string): string {
  const location = response.headers.location;
  if (!location)
    throw new ProtocolError(`${what}: registry answered ${response.status} without a Location header`);
  return new URL(location, response.url).href;
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.href;
}

/** Yields the stream's bytes in chunks of exactly `size` bytes (the last may be shorter). */
export async function* fixedChunks(
  stream: AsyncIterable<Uint8Array | string>,
  size: number,
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const piece of stream) {
    let buf =
      typeof piece === "string"
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    while (buf.length > 0) {
      const take = Math.min(size - have, buf.length);
      parts.push(buf.subarray(0, take));
      have += take;
      buf = buf.subarray(take);
      if (have === size) {
        yield Buffer.concat(parts, have);
        parts = [];
        have = 0;
      }
    }
  }
  if (have > 0) yield Buffer.concat(parts, have);
}

/** A pass-through that feeds a digester and counts bytes, for uploads whose digest is computed on the way out. */
function tap(digester: Digester | undefined, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digester?.update(chunk);
      counter.bytes += chunk.length;
      callback(null, chunk);
    },
  });
}

function openSource(source: UploadRequest["source"]): Readable {
  if (source instanceof Uint8Array) return Readable.from([Buffer.from(source)]);
  return typeof source === "function" ? source() : source;
}

/** Uploads (or mounts) a blob; see the module comment for the request sequence. */
export async function uploadBlob(request: RequestFn, req: UploadRequest): Promise<UploadResult> {
  const { registry, repository, signal } = req;
  const what = req.context ?? `push blob ${req.digest ? `${req.digest} ` : ""}to ${registry}/${repository}`;
  if (req.digest) parseDigest(req.digest);
  if (req.chunkSize !== undefined && (!Number.isInteger(req.chunkSize) || req.chunkSize <= 0)) {
    throw new UsageError(`invalid chunk size ${req.chunkSize}`);
  }
  if (req.source instanceof Uint8Array && req.size !== undefined && req.source.length !== req.size) {
    throw new SizeMismatchError(`${what}: source has ${req.source.length} bytes, expected ${req.size}`, {
      expected: req.size,
      actual: req.source.length,
    });
  }
  const scopes: Scope[] = [{ type: "repository", name: repository, actions: ["pull", "push"] }];
  if (req.mountFrom) scopes.push({ type: "repository", name: req.mountFrom, actions: ["pull"] });
  const base = { registry, scopes, context: what, ...(signal ? { signal } : {}) };

  // 1. Open a session, or mount.
  const mount = req.mountFrom && req.digest ? { mount: req.digest, from: req.mountFrom } : undefined;
  const opened = await request({
    ...base,
    method: "POST",
    path: `/v2/${repository}/blobs/uploads/`,
    ...(mount ? { query: mount } : {}),
    headers: { "content-length": "0" },
    expect: mount ? [201, 202] : [202],
  });
  if (opened.status === 201 && req.digest) {
    await opened.dump();
    const location = opened.headers.location ? new URL(opened.headers.location, opened.url).href : undefined;
    return {
      digest: req.digest,
      mounted: true,
      ...(req.size !== undefined ? { size: req.size } : {}),
      ...(location ? { location } : {}),
    };
  }
  let location = locationOf(opened, what);
  await opened.dump();

  const counter = { bytes: 0 };
  // Registries must accept sha256; it is what a computed digest uses.
  const digester = req.digest ? undefined : new Digester("sha256");
  let finalBody: RegistryRequest["body"];

  if (req.chunkSize !== undefined) {
    // 2a. Chunked: each chunk is held once in memory so it can be replayed after a 401.
    for await (const chunk of fixedChunks(openSource(req.source), req.chunkSize)) {
      digester?.update(chunk);
      const start = counter.bytes;
      counter.bytes += chunk.length;
      const patched = await request({
        ...base,
        method: "PATCH",
        url: location,
        headers: {
          "content-type": OCTET_STREAM,
          "content-length": String(chunk.length),
          // distribution's form, without the "bytes " unit: <first>-<last>, inclusive
          "content-range": `${start}-${start + chunk.length - 1}`,
        },
        body: chunk,
        expect: [202],
      });
      location = locationOf(patched, what);
      await patched.dump();
    }
  } else if (req.digest) {
    // 2b. Monolithic: the bytes go with the closing PUT.
    finalBody = req.source;
  } else {
    // 2c. Digest unknown: stream everything in one PATCH while hashing, then close with the computed digest.
    const body = openSource(req.source).pipe(tap(digester, counter));
    const patched = await request({
      ...base,
      method: "PATCH",
      url: location,
      headers: {
        "content-type": OCTET_STREAM,
        ...(req.size !== undefined ? { "content-length": String(req.size) } : {}),
      },
      body,
      expect: [202],
    });
    location = locationOf(patched, what);
    await patched.dump();
  }

  const digest = req.digest ?? digester!.digest();
  if (finalBody === undefined && req.size !== undefined && counter.bytes !== req.size) {
    throw new SizeMismatchError(`${what}: source had ${counter.bytes} bytes, expected ${req.size}`, {
      expected: req.size,
      actual: counter.bytes,
    });
  }

  // 3. Close the session.
  const size = finalBody === undefined ? counter.bytes : req.size;
  const closed = await request({
    ...base,
    method: "PUT",
    url: withDigest(location, digest),
    headers:
      finalBody === undefined
        ? { "content-length": "0" }
        : {
            "content-type": OCTET_STREAM,
            ...(req.size !== undefined ? { "content-length": String(req.size) } : {}),
          },
    ...(finalBody !== undefined ? { body: finalBody } : {}),
    expect: [201],
  });
  const blobLocation = closed.headers.location
    ? new URL(closed.headers.location, closed.url).href
    : undefined;
  await closed.dump();
  return {
    digest,
    mounted: false,
    ...(size !== undefined ? { size } : {}),
    ...(blobLocation ? { location: blobLocation } : {}),
  };
}
