/**
 * Blob upload, as the distribution spec describes it
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs):
 *
 * 1. `POST /v2/<name>/blobs/uploads/` opens a session (202 + Location); with `?mount=<digest>&from=<repo>` the
 *    registry may mount an existing blob instead (201) or fall back to a session (202). With `singlePost`,
 *    `POST ?digest=` carries the bytes and a registry that supports it answers 201 at once.
 * 2. The bytes: one `PUT <location>?digest=` for a blob below {@link STREAM_FROM} whose digest and size are known
 *    (monolithic); otherwise one streamed `PATCH` (hashed on the fly when the digest is unknown); or, with
 *    `chunkSize`, `PATCH`es with `Content-Range`, each to the Location the previous answer gave (it may carry new
 *    state), never smaller than the registry's `OCI-Chunk-Min-Length`.
 * 3. `PUT <location>?digest=<digest>` closes the session (201).
 *
 * POST and PATCH are never retried by the transport (the registry may have acted on them), and neither is a PUT that
 * carries bytes. Instead, an interrupted upload is taken up here: `GET <location>` says how many bytes the session
 * holds (`Range: 0-<last>`) and the upload goes on from there. When the registry dropped the session (distribution
 * does after a PATCH cut off half-way, see upload-session.ts) and the source can be read again, a new session starts
 * from byte 0. A registry that refuses a body as too large (413) gets chunks instead. An upload that ends without
 * success (an error, an abort, a digest mismatch, a timeout) is cancelled (`DELETE <location>`) so the registry can
 * drop its bytes: after the request in flight got its answer, with the Location of that answer (upload-stop.ts).
 */
import { Readable } from "node:stream";
import { pushScope, type Scope } from "@regatta/auth";
import {
  DigestMismatchError,
  RegattaError,
  RegistryError,
  SizeMismatchError,
  UsageError,
} from "@regatta/errors";
import { parseDigest, shortDigest } from "@regatta/manifest";
import { type RegistryRequest, type RetryPolicy, retryReason } from "@regatta/transport";
import { blobHead } from "./blobs.js";
import { uploadsPath } from "./paths.js";
import type { RequestFn } from "./request.js";
import {
  absoluteLocation,
  cancelUpload,
  UploadLocations,
  uploadStatus,
  withDigest,
} from "./upload-session.js";
import { UploadSource } from "./upload-source.js";
import { abortedUpload, CANCEL_TIMEOUT_MS, settlingSignal, stoppableBody } from "./upload-stop.js";
import { isRefusal, UploadTerms } from "./upload-terms.js";

export { MAX_FALLBACK_CHUNK } from "./upload-terms.js";

const OCTET_STREAM = "application/octet-stream";
/**
 * Blobs of this size or more (or of unknown size) are sent as a streamed `PATCH` and committed by an empty
 * `PUT ?digest=` (as docker always does; go-containerregistry's `streamBlob`/`commitBlob` too, with a Content-Length
 * when the size is known, which could not end early), smaller ones in the
 * closing `PUT` itself. Only a `PATCH` can stop cleanly: a body of unknown length ends early and is answered with the
 * session's current Location, so a cancelled upload is removed by its DELETE. The bytes of a `PUT` stay on
 * distribution whatever happens to it (docs/registry-quirks.md), so its cancel leaves them until the registry's
 * upload purge. 8 MiB weighs the two: the streamed way costs one more round trip per blob, which a `sync` of many
 * small blobs (configs, signatures, attestations: kilobytes) would pay thousands of times, while a leftover below
 * 8 MiB is small, and such a `PUT` mostly finishes within the 2 s an upload in flight is given to answer
 * (upload-stop.ts; 8 MiB in 2 s is 4 MB/s), so it commits instead of leaving anything.
 */
export const STREAM_FROM = 8 * 1024 * 1024;
/** Default for `maxRecoveries`. */
export const DEFAULT_UPLOAD_RECOVERIES = 5;

/** A blob to upload. */
export interface UploadRequest {
  registry: string;
  repository: string;
  /**
   * The content. Bytes or a stream factory can be read again, so an interrupted upload can go on; a bare stream
   * cannot. The factory may return a promise (a download that first waits for its response). It is handed a signal
   * that aborts 2 s (`SETTLE_MS`, upload-stop.ts) after `signal` does: a source that stops on that one, not on `signal` itself, feeds
   * a request in flight for the while it is given to answer (upload-stop.ts), so a `PUT` of a small blob can still
   * commit instead of being cut, which would leave its bytes on the registry.
   */
  source: Uint8Array | Readable | ((signal?: AbortSignal) => Readable | Promise<Readable>);
  /** The digest, when known; otherwise computed while streaming and sent with the final PUT. */
  digest?: string;
  /** The size, when known (sent as Content-Length, and checked). */
  size?: number;
  /** Upload in PATCH chunks of this many bytes (each held in memory once) instead of one stream. */
  chunkSize?: number;
  /** A repository on the same registry to mount the blob from (`?mount=&from=`), skipping the upload if it works. */
  mountFrom?: string;
  /**
   * Try the single-request upload (`POST ?digest=` with the bytes, answered 201) first. Only for bytes with a known
   * digest; a registry that answers 202 instead (distribution 2.8) gets the bytes again by PUT, and is remembered so
   * later uploads to it skip the attempt.
   */
  singlePost?: boolean;
  /**
   * Hash the bytes on the way and refuse to commit when they do not match `digest` (default true). Turn it off only
   * when the bytes are verified already, e.g. a blob streamed from another registry.
   */
  verify?: boolean;
  /**
   * How many times an interrupted upload is taken up again (default 5): from the offset the session reports
   * (`GET` on its Location), or in a new session when the registry dropped it and the source can be read again.
   */
  maxRecoveries?: number;
  /** Called with the bytes read from the source so far (it goes back when an upload starts over). */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  context?: string;
}

/** What an upload did. */
export interface UploadResult {
  digest: string;
  /** Bytes sent (undefined when mounted and no size was given). */
  size?: number;
  /** True when the registry mounted the blob from `mountFrom` and nothing was uploaded. */
  mounted: boolean;
  /** The blob's URL from the registry's 201 Location header. */
  location?: string;
  /** How many times the upload was interrupted and taken up again (absent when never). */
  recoveries?: number;
}

/** What an upload remembers about registries across calls (one per Transport). */
export interface UploadMemo {
  /** Registries that answered a single-request upload with 202: they do not support it. */
  noSinglePost: Set<string>;
}

/** What an upload needs from the transport (a Transport is one). */
export interface UploadDeps {
  request(request: RegistryRequest): ReturnType<RequestFn>;
  /** The retry budget and backoff; one budget covers every request and recovery of an upload. */
  readonly retryPolicy: RetryPolicy;
}

/**
 * The memo of each transport, kept beside it rather than in it (the transport knows nothing of uploads): weakly, so
 * it goes when the transport does, and per transport as before, so two clients never share what they learnt.
 */
const memos = new WeakMap<object, UploadMemo>();

function memoOf(deps: UploadDeps): UploadMemo {
  let memo = memos.get(deps);
  if (!memo) {
    memo = { noSinglePost: new Set() };
    memos.set(deps, memo);
  }
  return memo;
}

/**
 * A registry's 201 names the digest it committed (`Docker-Content-Digest`): one that differs from the digest asked
 * for means the registry stored something else under it, or lies; either way the push must not report success
 * (issue 10, item 5: a digest header is checked, never trusted).
 */
function checkCommitted(
  response: { headers: Record<string, string>; status: number },
  digest: string,
  what: string,
) {
  const answered = response.headers["docker-content-digest"]?.trim();
  if (answered && answered !== digest) {
    throw new DigestMismatchError(
      `${what}: the registry answered ${response.status} with Docker-Content-Digest ${answered}, not ${digest}`,
      { expected: digest, actual: answered, status: response.status },
    );
  }
}

/** Uploads (or mounts) a blob; see the module comment for the request sequence. */
export async function uploadBlob(
  deps: UploadDeps,
  req: UploadRequest,
  memo: UploadMemo = memoOf(deps),
): Promise<UploadResult> {
  // The source's signal: aborted when the request in flight would be cut, not before (see UploadRequest.source).
  const settling = settlingSignal(req.signal);
  try {
    return await uploadWith(deps, req, memo, settling.signal);
  } finally {
    settling.release();
  }
}

async function uploadWith(
  deps: UploadDeps,
  req: UploadRequest,
  memo: UploadMemo,
  sourceSignal: AbortSignal | undefined,
): Promise<UploadResult> {
  const request: RequestFn = (r) => deps.request(r);
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
  const size = req.size ?? (req.source instanceof Uint8Array ? req.source.length : undefined);
  const scopes: Scope[] = [pushScope(repository)];
  if (req.mountFrom) scopes.push({ type: "repository", name: req.mountFrom, actions: ["pull"] });
  const budget = deps.retryPolicy.budget(req.maxRecoveries ?? DEFAULT_UPLOAD_RECOVERIES);
  const base = { registry, scopes, context: what, retryBudget: budget, ...(signal ? { signal } : {}) };

  const done = (result: Omit<UploadResult, "mounted">, mounted = false): UploadResult => ({
    ...result,
    mounted,
  });
  const blobLocation = (response: { headers: Record<string, string>; url: string }) =>
    absoluteLocation(response, what);
  /** What the registry told this upload: its chunk size, its refusals (upload-terms.ts). */
  const terms = new UploadTerms(req.chunkSize, size);
  /**
   * The session's Locations, the latest from the LAST answer that gave one (the only one the registry still takes),
   * each checked before anything is sent to it (UploadLocations: the same repository's uploads on the registry's
   * origin; no credentials once one left it).
   */
  let session: UploadLocations | undefined;
  /** Releases the source once there is one. */
  let releaseSource = () => {};
  /** DELETE of a session, best effort and bounded: its failure never hides why the upload stopped. */
  const cancelSession = (at: UploadLocations) =>
    cancelUpload(request, {
      registry,
      repository,
      location: at,
      signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
    }).catch(() => undefined);
  /**
   * Releases the source and cancels the session at its latest Location, so the registry can drop its bytes; returns
   * `err`. Called once the request in flight has settled (`send` does not return before), so the DELETE neither
   * races it nor names a Location its answer made stale.
   */
  const giveUp = async (err: unknown) => {
    releaseSource();
    if (session) await cancelSession(session);
    return terms.reported(err, what);
  };
  /**
   * One request of the upload. Aborted meanwhile, it still gets its answer (upload-stop.ts): a body without a
   * Content-Length ends early, anything else has a short while before it is cut. `answered` reads the answer (the
   * Location to go on with) before the abort, or the failure of the body, becomes the upload's error.
   */
  const send = async <T>(
    r: RegistryRequest,
    answered: (response: Awaited<ReturnType<RequestFn>>) => T | Promise<T>,
  ): Promise<T> => {
    if (signal?.aborted) throw abortedUpload(what, signal);
    const stoppable =
      r.body instanceof Readable && r.headers?.["content-length"] === undefined
        ? stoppableBody(r.body, signal)
        : undefined;
    const stopped = () => {
      if (signal?.aborted) return abortedUpload(what, signal);
      return stoppable?.stopped;
    };
    const settling = settlingSignal(signal);
    let response: Awaited<ReturnType<RequestFn>>;
    try {
      response = await request({
        ...r,
        ...(stoppable ? { body: stoppable.body } : {}),
        ...(settling.signal ? { signal: settling.signal } : {}),
      });
    } catch (err) {
      throw stoppable?.stopped !== undefined ? stopped() : err;
    } finally {
      settling.release();
    }
    const result = await answered(response);
    if (stoppable?.stopped !== undefined || signal?.aborted) throw stopped();
    return result;
  };
  /** The session an opening POST's answer opened, its Location checked. */
  const opens = (response: { headers: Record<string, string>; url: string; status?: number }) =>
    new UploadLocations(registry, repository, response, what);
  /**
   * The POST that opens a session creates nothing the upload depends on until a Location comes back, so it is
   * retried like an idempotent request (a 503 or a reset there must not fail a push); a retried answer that did
   * carry a Location leaves a session nobody will use, which is cancelled.
   */
  const opening = {
    idempotent: true,
    onDiscard: async (response: { headers: Record<string, string>; url: string }) => {
      // Only a Location that passes the session's rules is cancelled; one that does not is left to the registry.
      let abandoned: UploadLocations | undefined;
      try {
        abandoned = blobLocation(response) ? opens(response) : undefined;
      } catch {
        abandoned = undefined;
      }
      if (abandoned) await cancelSession(abandoned);
    },
  };
  /** An opening POST's answer: a 202 opened a session, whose Location is the one to go on with. */
  const sessionOf = (response: Awaited<ReturnType<RequestFn>>) => {
    if (response.status === 202) session = opens(response);
    return response;
  };
  // 1. Open a session: single request, mount, or plain.
  let opened: Awaited<ReturnType<RequestFn>> | undefined;
  const single =
    req.singlePost && req.digest && !req.mountFrom && req.source instanceof Uint8Array
      ? { digest: req.digest, bytes: req.source }
      : undefined;
  if (single && !memo.noSinglePost.has(registry)) {
    try {
      opened = await send(
        {
          ...base,
          method: "POST",
          path: uploadsPath(repository),
          query: { digest: single.digest },
          headers: { "content-type": OCTET_STREAM, "content-length": String(single.bytes.length) },
          body: single.bytes,
          expect: [201, 202],
          ...opening,
        },
        sessionOf,
      );
    } catch (err) {
      // A registry (or a proxy in front of it) that refuses a POST with a body: the ordinary way works there.
      if (!(err instanceof RegistryError) || !isRefusal(err.status)) throw await giveUp(err);
      memo.noSinglePost.add(registry);
    }
    if (opened?.status === 201) {
      const location = blobLocation(opened);
      await opened.dump();
      checkCommitted(opened, single.digest, what);
      return done({ digest: single.digest, size: single.bytes.length, ...(location ? { location } : {}) });
    }
    // 202: the registry opened an ordinary session and ignored the bytes.
    memo.noSinglePost.add(registry);
  }
  if (!opened) {
    const mount = req.mountFrom && req.digest ? { mount: req.digest, from: req.mountFrom } : undefined;
    opened = await send(
      {
        ...base,
        method: "POST",
        path: uploadsPath(repository),
        ...(mount ? { query: mount } : {}),
        headers: { "content-length": "0" },
        expect: mount ? [201, 202] : [202],
        ...opening,
      },
      sessionOf,
    ).catch(async (err: unknown) => {
      throw await giveUp(err);
    });
    // Stryker disable next-line ConditionalExpression: only a mount may be answered 201 here, and a mount needs the digest
    if (opened.status === 201 && req.digest) {
      const location = blobLocation(opened);
      await opened.dump();
      checkCommitted(opened, req.digest, what);
      return done(
        {
          digest: req.digest,
          ...(req.size !== undefined ? { size: req.size } : {}),
          ...(location ? { location } : {}),
        },
        true,
      );
    }
  }
  // sessionOf took it from this same 202 answer already; read again for the types (a 201 returned above)
  session ??= opens(opened);
  const open = () => session as UploadLocations;
  await opened.dump();
  terms.opened(opened.headers);

  const source = new UploadSource(req.source, {
    what,
    ...(req.digest ? { digest: req.digest } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(req.verify === false ? { verify: false } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    ...(sourceSignal ? { signal: sourceSignal } : {}),
  });
  releaseSource = () => source.close();
  /** Bytes the registry holds in the session. */
  let held = 0;
  /**
   * The bytes read from the source that the registry has not acknowledged, from byte `start` (where the source stands
   * now, less their length): kept so that a one-shot stream can go on inside them after a failed PATCH.
   */
  let pending: { start: number; bytes: Buffer } | undefined;
  let recoveries = 0;
  /** Whether the source was already fetched again after wrong bytes (once only). */
  let refetched = false;
  /** Whether the registry answered the closing PUT with 201. */
  let committed = false;
  /** A PATCH of bytes to the session; the answer's Location is the one to go on with. */
  const patch = async (body: RegistryRequest["body"], length?: number, range?: string) => {
    terms.sending(body, length);
    await send(
      {
        ...base,
        method: "PATCH",
        ...open().target(),
        headers: {
          "content-type": OCTET_STREAM,
          ...(length !== undefined ? { "content-length": String(length) } : {}),
          ...(range ? { "content-range": range } : {}),
        },
        // Stryker disable next-line ConditionalExpression: every PATCH carries bytes or a stream
        ...(body !== undefined ? { body } : {}),
        expect: [202, 204],
        streaming: true,
      },
      async (patched) => {
        open().take(patched, what);
        await patched.dump();
        terms.took();
      },
    );
    terms.sent();
  };
  /** One chunk, with distribution's `Content-Range` form (no "bytes " unit): <first>-<last>, inclusive. */
  const patchChunk = async (bytes: Buffer, start: number) => {
    await patch(bytes, bytes.length, `${start}-${start + bytes.length - 1}`);
    held = start + bytes.length;
  };

  const close = async (body?: RegistryRequest["body"], length?: number): Promise<UploadResult> => {
    const digest = req.digest ?? source.digest();
    terms.sending(body, length);
    const where = await send(
      {
        ...base,
        method: "PUT",
        ...open().target(withDigest(open().location, digest)),
        headers:
          body === undefined
            ? { "content-length": "0" }
            : {
                "content-type": OCTET_STREAM,
                ...(length !== undefined ? { "content-length": String(length) } : {}),
              },
        ...(body !== undefined ? { body, idempotent: false, streaming: true } : {}),
        expect: [201],
      },
      async (closed) => {
        const at = blobLocation(closed);
        await closed.dump();
        committed = true; // whatever follows is a verdict on the upload, not a fault to recover from
        checkCommitted(closed, digest, what);
        return at;
      },
    );
    return done({
      digest,
      size: source.offset,
      ...(where ? { location: where } : {}),
      ...(recoveries ? { recoveries } : {}),
    });
  };

  // 2 and 3. Send the bytes from `held` on and close; after a failure, find out where the session stands and go on.
  for (;;) {
    try {
      const chunkSize = terms.chunkSize;
      if (chunkSize !== undefined) {
        // What the registry did not take of the last chunk goes first, topped up from the source and cut to the
        // current chunk size: a chunk refused as too large is not sent again whole, and no chunk but the last is
        // shorter than the registry's minimum.
        let unsent =
          pending && held >= pending.start && held < pending.start + pending.bytes.length
            ? pending.bytes.subarray(held - pending.start)
            : undefined;
        if (!unsent) await source.seek(held);
        for (;;) {
          // Topped up to a whole chunk; with a whole chunk or more in hand this asks for nothing, and gets nothing.
          // Stryker disable next-line ArithmeticOperator: reading further ahead sends the same chunks, only reads sooner
          const more = await source.next(chunkSize - (unsent?.length ?? 0));
          if (more) unsent = unsent ? Buffer.concat([unsent, more]) : more;
          if (!unsent) break;
          pending = { start: held, bytes: unsent };
          const chunk = unsent.subarray(0, chunkSize);
          await patchChunk(chunk, held);
          unsent = unsent.length > chunk.length ? unsent.subarray(chunk.length) : undefined;
          // Taken whole: nothing of it is sent again, so it is let go before the next chunk is read (the previous
          // chunk stayed alive beside the next one).
          if (!unsent) pending = undefined;
        }
        pending = undefined;
        source.check();
        return await close();
      }
      await source.seek(held);
      if (req.digest && size !== undefined && size < STREAM_FROM) {
        return await close(source.rest(), size - held); // monolithic: the bytes go with the closing PUT
      }
      // The rest in one streamed PATCH (with a Content-Range when it goes on from an offset), then an empty PUT.
      // Without a Content-Length, so that an upload that stops ends it early and still gets a current Location.
      await patch(
        source.rest(),
        undefined,
        held > 0 && size !== undefined ? `${held}-${size - 1}` : undefined,
      );
      held = source.offset;
      return await close();
    } catch (err) {
      if (committed) {
        source.close();
        throw err;
      }
      let recovery = terms.failed(err, held);
      // Wrong bytes are fetched again once, and only from a source that fetches them (a factory): bytes or a stream
      // handed over by the caller would be the same wrong bytes again.
      if (recovery === "refetch") {
        recovery = refetched || typeof req.source !== "function" ? "fatal" : "restart";
        refetched = true;
      }
      if (signal?.aborted || recovery === "fatal" || !budget.take()) {
        throw await giveUp(err);
      }
      recoveries++;
      // A registry that is busy (5xx, 429, a reset) gets the same backoff as any retried request, or the wait its
      // Retry-After asked for; one that asks for longer than the retry concern would wait is given up on.
      // Stryker disable next-line ConditionalExpression: recoveryFor made anything but a RegattaError fatal above
      if (err instanceof RegattaError && err.retryable) {
        const delay = deps.retryPolicy.delayAfter(recoveries - 1, err);
        if (delay === undefined) throw await giveUp(err);
        // Said without -v when long, in the retry concern's words (a 429's Retry-After on a PATCH).
        try {
          await deps.retryPolicy.wait(delay, signal, {
            before: `going on with the upload ${uploadName(req.digest, registry, repository)}`,
            budget,
            reason: retryReason(err),
          });
        } catch {
          throw await giveUp(err);
        }
      }
      if (recovery === "resync") {
        try {
          const status = await uploadStatus(request, {
            registry,
            repository,
            location: open(),
            acknowledged: held,
            ...(signal ? { signal } : {}),
          });
          held = status.offset;
          terms.resynced(held);
        } catch {
          recovery = "restart";
        }
      }
      const resumable =
        recovery === "resync" &&
        // Stryker disable next-line EqualityOperator: at the end of `pending` the source stands there too, and canContinueAt says so
        ((pending !== undefined && held >= pending.start && held <= pending.start + pending.bytes.length) ||
          source.canContinueAt(held));
      if (!resumable) {
        if (!source.replayable) {
          throw await giveUp(err);
        }
        await cancelSession(open());
        session = undefined;
        // The blob may have been committed by the request whose answer was lost.
        if (req.digest && (await hasBlob(deps, { registry, repository, digest: req.digest, base }))) {
          source.close();
          return done({ digest: req.digest, ...(size !== undefined ? { size } : {}), recoveries });
        }
        const fresh = await send(
          {
            ...base,
            method: "POST",
            path: uploadsPath(repository),
            headers: { "content-length": "0" },
            expect: [202],
            ...opening,
          },
          sessionOf,
        ).catch(async (e: unknown) => {
          throw await giveUp(e);
        });
        await fresh.dump();
        terms.opened(fresh.headers);
        held = 0;
        pending = undefined;
      }
    }
  }
}

/**
 * The upload as a wait's notice names it: "of sha256:0123456789ab… to HOST/REPO", the digest cut short (the notice is
 * one line) and no session URL (its `_state` is a credential of sorts, and long).
 */
function uploadName(digest: string | undefined, registry: string, repository: string): string {
  return `${digest ? `of ${shortDigest(digest, "…")} ` : ""}to ${registry}/${repository}`;
}

/** Whether the repository has the blob (HEAD), asked with the upload's scopes; any failure counts as no. */
async function hasBlob(
  deps: UploadDeps,
  req: {
    registry: string;
    repository: string;
    digest: string;
    base: { scopes: Scope[]; signal?: AbortSignal };
  },
): Promise<boolean> {
  try {
    const head = await blobHead(deps, {
      registry: req.registry,
      repository: req.repository,
      digest: req.digest,
      scopes: req.base.scopes,
      ...(req.base.signal ? { signal: req.base.signal } : {}),
    });
    return head !== undefined;
  } catch {
    return false;
  }
}
