/**
 * Blob download: GET /v2/<name>/blobs/<digest>, usually answered by a redirect to object storage, streamed through
 * a size and digest check, never buffered. Resuming sends `Range: bytes=<offset>-`; a server that ignores it and
 * answers 200 gets its first `offset` bytes skipped. Either way the digest covers the caller's prefix followed by
 * the streamed bytes, i.e. exactly the file the caller ends up with.
 */
import type { Readable, Transform } from "node:stream";
import { ProtocolError, SizeMismatchError, UsageError } from "@regatta/errors";
import { type ContentVerifier, createVerifier, parseDigest } from "@regatta/manifest";
import type { RegistryResponse } from "./response.js";
import type { BlobDownload, BlobRequest, RegistryRequest } from "./types.js";
import { createVerifyStream } from "./verify-stream.js";

/** What blob download needs from the transport. */
export interface BlobDeps {
  request(request: RegistryRequest): Promise<RegistryResponse>;
  /** Maps a body-stream error (read timeout, reset, abort) of `response` to a typed error. */
  mapBodyError(err: unknown, response: RegistryResponse, request: BlobRequest): unknown;
}

/** Parses `Content-Range: bytes <start>-<end>/<total|*>` (RFC 9110 §14.4). */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  const range = { start: Number(match[1]), end: Number(match[2]) };
  return match[3] === "*" ? range : { ...range, total: Number(match[3]) };
}

/**
 * A verifier that checks the size only: for bytes whose digest someone else checks anyway (a copy streams them into
 * a registry that refuses a blob whose digest differs), so hashing them here would only cost CPU.
 */
function sizeVerifier(digest: string, size: number | undefined): ContentVerifier {
  let bytes = 0;
  const wrong = (what: string) =>
    new SizeMismatchError(`content of ${digest} is ${what} the expected ${size} bytes (${bytes})`, {
      ...(size !== undefined ? { expected: size } : {}),
      actual: bytes,
    });
  return {
    get bytes() {
      return bytes;
    },
    update(chunk) {
      bytes += chunk.length;
      if (size !== undefined && bytes > size) throw wrong("longer than");
    },
    finish() {
      if (size !== undefined && bytes !== size) throw wrong("not");
      return digest;
    },
  };
}

/** Downloads a blob as a verified stream; see {@link BlobRequest} for resuming. */
export async function downloadBlob(deps: BlobDeps, req: BlobRequest): Promise<BlobDownload> {
  const offset = req.offset ?? 0;
  const what = req.context ?? `blob ${req.digest} from ${req.registry}/${req.repository}`;
  parseDigest(req.digest); // an InvalidDigestError before any request
  if (offset < 0 || !Number.isSafeInteger(offset)) throw new UsageError(`invalid blob offset ${offset}`);
  if (req.size !== undefined && offset > req.size) {
    throw new UsageError(`blob offset ${offset} is past its size ${req.size}`);
  }
  if (offset > 0 && !req.prefix)
    throw new UsageError("resuming a blob download needs the bytes already held (prefix)");

  /** A verifier for the whole blob, fed with the caller's prefix so that it checks prefix + streamed bytes. */
  const verifierFor = async (size: number | undefined): Promise<ContentVerifier> => {
    const verifier =
      req.verifyDigest === false ? sizeVerifier(req.digest, size) : createVerifier(req.digest, size);
    if (offset === 0 || !req.prefix) return verifier;
    const chunks = req.prefix instanceof Uint8Array ? [req.prefix] : req.prefix;
    let held = 0;
    for await (const chunk of chunks) {
      held += chunk.length;
      if (held > offset) break;
      verifier.update(chunk);
    }
    if (held !== offset) {
      throw new UsageError(
        held > offset
          ? `blob prefix is longer than offset ${offset}`
          : `blob prefix has ${held} bytes but offset is ${offset}`,
      );
    }
    return verifier;
  };

  // Everything already held: nothing to fetch, only the digest of the prefix to check.
  if (req.size !== undefined && offset === req.size) {
    const stream = createVerifyStream({ verifier: await verifierFor(req.size), what });
    stream.end();
    return { stream, size: req.size, offset };
  }

  const response = await deps.request({
    registry: req.registry,
    method: "GET",
    path: `/v2/${req.repository}/blobs/${req.digest}`,
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    scopes: [{ type: "repository", name: req.repository, actions: ["pull"] }],
    expect: offset > 0 ? [200, 206] : [200],
    context: what,
    ...(req.signal ? { signal: req.signal } : {}),
  });

  let skip = 0;
  let total: number | undefined;
  let verifier: ContentVerifier;
  try {
    const length = response.headers["content-length"];
    const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    if (response.status === 206) {
      const range = parseContentRange(response.headers["content-range"]);
      if (!range || range.start !== offset) {
        throw new ProtocolError(
          `${what}: asked for bytes from ${offset}, got Content-Range "${response.headers["content-range"] ?? ""}"`,
        );
      }
      total = range.total;
    } else {
      skip = offset; // the server ignored Range and sent the whole blob
      total = contentLength;
    }
    // A Content-Length that disagrees with the descriptor is refused before a single byte is written.
    if (req.size !== undefined && total !== undefined && total !== req.size) {
      throw new SizeMismatchError(`${what}: registry announced ${total} bytes, expected ${req.size}`, {
        expected: req.size,
        actual: total,
      });
    }
    verifier = await verifierFor(req.size ?? total);
  } catch (err) {
    await response.dump();
    throw err;
  }

  const size = req.size ?? total;
  const stream = createVerifyStream({ verifier, skip, what });
  pipeBody(response.body, stream, (err) => deps.mapBodyError(err, response, req));
  return { stream, offset, ...(size !== undefined ? { size } : {}) };
}

/**
 * Pipes the undici body into `out` with back-pressure. Body errors reach `out` typed; if `out` is destroyed early
 * (consumer gave up, verification failed) the body is destroyed too, which releases the socket.
 */
function pipeBody(body: Readable, out: Transform, mapError: (err: unknown) => unknown): void {
  body.on("error", (err) => out.destroy(mapError(err) as Error));
  out.on("close", () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(out);
}
