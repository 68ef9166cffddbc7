/**
 * The blob endpoints, `/v2/<name>/blobs/<digest>` (as regclient's scheme/reg/blob.go): GET as a verified,
 * resumable stream, HEAD (does the repository have it, and how large is it) and DELETE. Mounting is the
 * upload-opening POST with `?mount=&from=`, whose refusal is an upload session: it lives with the uploads
 * (uploads.ts).
 *
 * Blob download: GET /v2/<name>/blobs/<digest>, usually answered by a redirect to object storage, streamed through
 * a size and digest check, never buffered. Resuming sends `Range: bytes=<offset>-`; a server that ignores it and
 * answers 200 gets its first `offset` bytes skipped. Either way the digest covers the caller's prefix followed by
 * the streamed bytes, i.e. exactly the file the caller ends up with.
 *
 * A connection cut half-way through the body is taken up again, within the operation's retry budget, with a Range
 * request from the last byte handed on (every byte before it already went through the verifier), as
 * go-containerregistry's and containerd's resumable readers do; the caller sees one uninterrupted stream. A stall
 * (idle timeout) is not: it is the user's limit on silence, and it fails the stream.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs (Range is optional for
 * registries; a 200 answer to a ranged GET is the whole blob again).
 */
import type { Readable, Writable } from "node:stream";
import { repositoryScope, type Scope } from "@regatta/auth";
import { ProtocolError, RegattaError, SizeMismatchError, UsageError } from "@regatta/errors";
import { type ContentVerifier, createVerifier, parseDigest } from "@regatta/manifest";
import {
  createVerifyStream,
  type RegistryResponse,
  type RetryBudget,
  type RetryPolicy,
} from "@regatta/transport";
import { blobPath } from "./paths.js";
import { deleteAt, type Requester } from "./request.js";

/** A blob to download. */
export interface BlobRequest {
  registry: string;
  repository: string;
  /** `sha256:…`: what the bytes are verified against. */
  digest: string;
  /** Expected size in bytes (from the descriptor). Checked early against Content-Length and at EOF. */
  size?: number;
  /** Resume from this byte (`Range: bytes=offset-`). Requires `prefix`. */
  offset?: number;
  /**
   * The bytes [0, offset) the caller already holds (e.g. `fs.createReadStream(partialFile)`), hashed before the
   * network bytes so the digest of the whole blob can still be checked. Must be exactly `offset` bytes long.
   */
  prefix?: Uint8Array | AsyncIterable<Uint8Array>;
  /**
   * Hash the bytes and fail on a digest mismatch (default true). Off only when another party checks the digest
   * anyway, as a registry does for a blob streamed into it by a copy; the size is checked either way.
   */
  verifyDigest?: boolean;
  /**
   * The most bytes to read (a positive whole number). A blob whose size is known (the descriptor's `size`, the
   * answer's Content-Length or Content-Range, or else its HEAD) and larger than this is refused before a byte of its
   * body is read; a blob whose size nobody gave is cut the moment more than this has arrived. Either way a
   * SizeMismatchError with code `SIZE_LIMIT`, `expected` the limit and `actual` the size announced or the bytes
   * received. Default none: a blob of unknown size is read until its body ends (as crane and skopeo do).
   */
  maxSize?: number;
  /**
   * The retry budget of the download: retries of its GETs and resumptions after a cut share it. Default a fresh one
   * of `retry.attempts`; pass one to share it with the caller's own retries.
   */
  retryBudget?: RetryBudget;
  signal?: AbortSignal;
  context?: string;
}

/** A verified blob stream. It fails with SizeMismatchError or DigestMismatchError instead of ending on bad data. */
export interface BlobDownload {
  /** The bytes from `offset` on. */
  stream: Readable;
  /** Total size of the blob, when known. */
  size?: number;
  /** Where `stream` starts in the blob. */
  offset: number;
}

/** What blob download needs from the transport (a Transport is one). */
export interface BlobDeps extends Requester {
  /** The retry budget and backoff, shared with the requests of the download. */
  readonly retryPolicy: RetryPolicy;
  /** Maps a body-stream error (read timeout, reset, abort) of `response` to a typed error. */
  mapBodyError(err: unknown, response: RegistryResponse, request: BlobRequest): unknown;
}

/** Parses `Content-Range: bytes <start>-<end>/<total|*>` (RFC 9110 §14.4). */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total?: number } | undefined {
  // Stryker disable next-line StringLiteral: an absent header stands in as text that is no range; any such text parses to undefined alike
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
      // Stryker disable next-line ConditionalExpression: SizeMismatchError leaves out an expected size that is undefined
      ...(size !== undefined ? { expected: size } : {}),
      actual: bytes,
    });
  return {
    // Stryker disable next-line BlockStatement: ContentVerifier asks for it, but nothing here reads it (the verify stream only feeds and finishes)
    get bytes() {
      return bytes;
    },
    update(chunk) {
      bytes += chunk.length;
      // Stryker disable next-line ConditionalExpression: without a size, `bytes > undefined` is false anyway; the first test is for the reader
      if (size !== undefined && bytes > size) throw wrong("longer than");
    },
    finish() {
      if (size !== undefined && bytes !== size) throw wrong("not");
      return digest;
    },
  };
}

/** The code of the SizeMismatchError of a blob larger than the caller's {@link BlobRequest.maxSize}. */
export const SIZE_LIMIT = "SIZE_LIMIT";

/** The refusal of a blob the registry says is `size` bytes, more than `maxSize`: nothing of it is read. */
function announcedTooLarge(what: string, size: number, maxSize: number): SizeMismatchError {
  return new SizeMismatchError(
    `${what}: the blob is ${size} bytes, more than the limit of ${maxSize}; nothing of it was read`,
    { code: SIZE_LIMIT, expected: maxSize, actual: size },
  );
}

/**
 * `verifier`, cut off as soon as more than `maxSize` bytes have arrived: for a blob whose size nobody gave, whose
 * body could otherwise go on for ever. Only the count is kept, so memory stays flat.
 */
function limitedVerifier(verifier: ContentVerifier, maxSize: number): ContentVerifier {
  return {
    get bytes() {
      return verifier.bytes;
    },
    update(chunk) {
      verifier.update(chunk);
      if (verifier.bytes > maxSize) {
        throw new SizeMismatchError(
          `more than the limit of ${maxSize} bytes arrived (${verifier.bytes} so far), and the registry gave no size for the blob`,
          { code: SIZE_LIMIT, expected: maxSize, actual: verifier.bytes },
        );
      }
    },
    finish: () => verifier.finish(),
  };
}

/** GET of a blob, as a verified stream; see {@link BlobRequest} for resuming. */
export async function blobGet(deps: BlobDeps, req: BlobRequest): Promise<BlobDownload> {
  const offset = req.offset ?? 0;
  const what = req.context ?? `blob ${req.digest} from ${req.registry}/${req.repository}`;
  parseDigest(req.digest); // an InvalidDigestError before any request
  if (offset < 0 || !Number.isSafeInteger(offset)) throw new UsageError(`invalid blob offset ${offset}`);
  if (req.size !== undefined && offset > req.size) {
    throw new UsageError(`blob offset ${offset} is past its size ${req.size}`);
  }
  if (offset > 0 && !req.prefix)
    throw new UsageError("resuming a blob download needs the bytes already held (prefix)");
  const { maxSize } = req;
  if (maxSize !== undefined && !(Number.isSafeInteger(maxSize) && maxSize > 0)) {
    throw new UsageError(`maxSize must be a positive whole number of bytes, not ${maxSize}`);
  }
  if (maxSize !== undefined && req.size !== undefined && req.size > maxSize) {
    throw announcedTooLarge(what, req.size, maxSize);
  }

  /** A verifier for the whole blob, fed with the caller's prefix so that it checks prefix + streamed bytes. */
  const verifierFor = async (size: number | undefined): Promise<ContentVerifier> => {
    const checked =
      req.verifyDigest === false ? sizeVerifier(req.digest, size) : createVerifier(req.digest, size);
    // A known size bounds the body already (the verifier cuts it as it passes); an unknown one only by maxSize.
    const verifier =
      size === undefined && maxSize !== undefined ? limitedVerifier(checked, maxSize) : checked;
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

  const budget = req.retryBudget ?? deps.retryPolicy.budget();
  /** GET from `from` on; returns the response and how many bytes of its body to drop (a 200 to a ranged GET). */
  const fetchFrom = async (from: number, size: number | undefined) => {
    const response = await deps.request({
      registry: req.registry,
      method: "GET",
      path: blobPath(req.repository, req.digest),
      headers: from > 0 ? { range: `bytes=${from}-` } : {},
      scopes: [{ type: "repository", name: req.repository, actions: ["pull"] }],
      expect: from > 0 ? [200, 206] : [200],
      context: what,
      streaming: true,
      retryBudget: budget,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    try {
      return { response, ...checkAnswer(response, from, size, what) };
    } catch (err) {
      await response.dump();
      throw err;
    }
  };

  const first = await fetchFrom(offset, req.size);
  let verifier: ContentVerifier;
  let size = req.size ?? first.total;
  try {
    // Neither the caller nor the answer says how long the blob is (a chunked answer to `blob REPO@DIGEST`): its HEAD
    // is asked, so that an endless body is cut at that size instead of filling the disk.
    if (size === undefined) {
      const head = await blobHead(deps, {
        registry: req.registry,
        repository: req.repository,
        digest: req.digest,
        context: what,
        ...(req.signal ? { signal: req.signal } : {}),
      }).catch(() => undefined);
      size = head?.size;
    }
    if (maxSize !== undefined && size !== undefined && size > maxSize)
      throw announcedTooLarge(what, size, maxSize);
    verifier = await verifierFor(size);
  } catch (err) {
    await first.response.dump();
    throw err;
  }
  const stream = createVerifyStream({ verifier, what });
  // pump reports every failure on the stream itself; the catch is for the failure nobody foresaw.
  pump(stream, first, offset, {
    what,
    ...(size !== undefined ? { size } : {}),
    mapError: (err, response) => deps.mapBodyError(err, response, { ...req, context: what }),
    resume: async (from) => {
      if (req.signal?.aborted || !budget.take()) return undefined;
      await deps.retryPolicy.wait(deps.retryPolicy.delay(budget.used - 1), req.signal);
      return fetchFrom(from, size);
    },
  }).catch((err) => stream.destroy(err as Error));
  return { stream, offset, ...(size !== undefined ? { size } : {}) };
}

/**
 * Checks a blob answer against what was asked: a 206 must start exactly at `from` (anything else would splice the
 * wrong bytes into the blob), and an announced size must agree with the descriptor, before a byte is written.
 * Returns the bytes to skip (a server that ignored Range sends the whole blob again) and the announced total.
 */
function checkAnswer(
  response: RegistryResponse,
  from: number,
  size: number | undefined,
  what: string,
): { skip: number; total?: number } {
  const length = response.headers["content-length"];
  // Stryker disable next-line ConditionalExpression,Regex: the HTTP parser refuses a Content-Length that is not digits, and "undefined" is none
  const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  let total: number | undefined;
  let skip = 0;
  if (response.status === 206) {
    const range = parseContentRange(response.headers["content-range"]);
    if (!range || range.start !== from) {
      throw new ProtocolError(
        `${what}: asked for bytes from ${from}, got Content-Range "${response.headers["content-range"] ?? ""}"`,
        { status: 206 },
      );
    }
    total = range.total;
  } else {
    skip = from; // the server ignored Range and sent the whole blob
    total = contentLength;
  }
  // A Content-Length that disagrees with the descriptor is refused before a single byte is written.
  if (size !== undefined && total !== undefined && total !== size) {
    throw new SizeMismatchError(`${what}: registry announced ${total} bytes, expected ${size}`, {
      expected: size,
      actual: total,
      status: response.status,
    });
  }
  return { skip, ...(total !== undefined ? { total } : {}) };
}

/** One answer being streamed: the response and the bytes of its body that the caller already has. */
interface Answer {
  response: RegistryResponse;
  skip: number;
}

/** Waits until `out` wants more, or is gone. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}

/**
 * Moves the body of `answer` into `out` with back-pressure, and after a cut asks `resume` for the rest from the
 * last byte handed on. Body errors reach `out` typed; if `out` is destroyed early (the consumer gave up, the
 * verifier refused) the body is destroyed too, which releases the socket.
 */
async function pump(
  out: Writable,
  answer: Answer,
  position: number,
  hooks: {
    what: string;
    /** The blob's size, when known: a cut after its last byte needs no resumption (a Range from there is a 416). */
    size?: number;
    mapError: (err: unknown, response: RegistryResponse) => unknown;
    resume: (from: number) => Promise<Answer | undefined>;
  },
): Promise<void> {
  let current: Answer | undefined = answer;
  // A consumer that gives up while a chunk is awaited must not leave the socket waiting for the idle timeout.
  out.once("close", () => current?.response.body.destroy());
  while (current) {
    const { response } = current;
    let skip = current.skip;
    try {
      for await (const piece of response.body) {
        // Stryker disable next-line ConditionalExpression: the close listener above destroys the body as `out` goes, ending the loop anyway
        if (out.destroyed) break;
        let chunk = piece as Buffer;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: with nothing to skip the block drops 0 bytes
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          // Stryker disable next-line ConditionalExpression: an empty chunk written on carries no byte to the reader
          if (chunk.length === 0) continue;
        }
        position += chunk.length;
        if (!out.write(chunk)) await drained(out);
      }
      // Stryker disable next-line ConditionalExpression: `out` is gone; ending or failing it after that does nothing
      if (out.destroyed) {
        response.body.destroy();
        return;
      }
      if (skip > 0) {
        throw new SizeMismatchError(
          `${hooks.what}: the answer ended ${skip} bytes before the resume offset ${position}`,
          { status: response.status },
        );
      }
      out.end();
      return;
    } catch (err) {
      response.body.destroy();
      if (out.destroyed) return;
      const mapped = hooks.mapError(err, response);
      // A cut is worth a ranged GET for the rest; a stall, a refusal or bad content is not.
      if (!(mapped instanceof RegattaError) || !mapped.retryable) return void out.destroy(mapped as Error);
      if (skip === 0 && position === hooks.size) return void out.end(); // the verifier still checks the digest
      try {
        current = await hooks.resume(position);
      } catch (again) {
        return void out.destroy(again as Error);
      }
      if (!current) return void out.destroy(mapped);
    }
  }
}

/** A blob to ask about or delete. */
export interface BlobTarget {
  registry: string;
  repository: string;
  digest: string;
  signal?: AbortSignal;
  context?: string;
}

/** What a HEAD found: the blob's size, when the registry said it (`Content-Length`). */
export interface BlobHead {
  size: number | undefined;
}

/**
 * HEAD of a blob: undefined when the repository does not have it (404), else its size
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#checking-if-content-exists-in-the-registry).
 * `scopes` default to pull on the repository; an upload asks with the scopes it holds already, so that no new token
 * is needed.
 */
export async function blobHead(
  deps: Requester,
  req: BlobTarget & { scopes?: Scope[] },
): Promise<BlobHead | undefined> {
  const response = await deps.request({
    registry: req.registry,
    method: "HEAD",
    path: blobPath(req.repository, req.digest),
    scopes: req.scopes ?? [repositoryScope(req.repository, ["pull"])],
    expect: [200, 404],
    ...(req.context ? { context: req.context } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  await response.dump();
  if (response.status === 404) return undefined;
  const length = Number(response.headers["content-length"]);
  return { size: Number.isFinite(length) ? length : undefined };
}

/**
 * DELETE of a blob (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-blobs); failures
 * are the transport's typed errors, unchanged.
 */
export async function blobDelete(
  deps: Requester,
  req: BlobTarget & { retryBudget?: RetryBudget },
): Promise<void> {
  await deleteAt(deps, {
    registry: req.registry,
    repository: req.repository,
    path: blobPath(req.repository, req.digest),
    context: req.context ?? `delete blob ${req.digest} from ${req.registry}/${req.repository}`,
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.retryBudget ? { retryBudget: req.retryBudget } : {}),
  });
}
