/**
 * How an upload that will not finish stops, so that its session can be cancelled.
 *
 * The cancel is `DELETE <location>`, and it must name the Location of the LAST answer
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-in-chunks): distribution
 * signs the session's offset into it (`?_state=`), and answers an older one 404 BLOB_UPLOAD_INVALID and keeps the
 * session, bytes and all, until its upload purge (days). A request whose body is cut off half-way has the same effect:
 * the registry keeps the bytes that came, and no Location we hold names them. So an upload that stops does not cut the
 * request in flight:
 * - a body sent without a Content-Length ends early, cleanly ({@link stoppableBody}): the registry answers with the
 *   session's Location, and the upload then fails with the reason it stopped (an abort, a source that failed);
 * - any other request is given {@link SETTLE_MS} to get its answer ({@link settlingSignal}) before it is cut.
 * Only then is the DELETE sent, with the latest Location and bounded by {@link CANCEL_TIMEOUT_MS}, so the CLI's
 * grace after Ctrl-C covers both.
 */
import { finished, Readable } from "node:stream";
import { AbortError, RegattaError, TimeoutError } from "@regatta/errors";

/** How long a request in flight may take to answer after the upload was aborted, before it is cut. */
export const SETTLE_MS = 2_000;
/** How long the cancelling DELETE may take: best effort, never what keeps a stopped upload from ending. */
export const CANCEL_TIMEOUT_MS = 2_000;

/**
 * A signal for one request of an upload: aborted `ms` after `signal` is (with its reason), so the request can get its
 * answer first. `release` drops the listener on `signal` (a long-lived one, a REPL's, sees many requests).
 */
export function settlingSignal(
  signal: AbortSignal | undefined,
  ms = SETTLE_MS,
): { signal?: AbortSignal; release(): void } {
  if (!signal) return { release() {} };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(() => controller.abort(signal.reason), ms);
    timer.unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    release() {
      signal.removeEventListener("abort", onAbort);
      clearTimeout(timer);
    },
  };
}

/** Why an aborted upload stopped, as a typed error: the signal's own reason when it is one. */
export function abortedUpload(what: string, signal: AbortSignal): RegattaError {
  const reason: unknown = signal.reason;
  if (reason instanceof RegattaError) return reason;
  if ((reason as { name?: unknown } | undefined)?.name === "TimeoutError") {
    return new TimeoutError(`${what}: timed out`, { cause: reason });
  }
  return new AbortError(`${what}: aborted`, { cause: reason });
}

/** A request body that ends early instead of failing; `stopped` says why it ended early, if it did. */
export interface StoppableBody {
  body: Readable;
  readonly stopped: unknown;
}

/**
 * `body`, ended cleanly (not cut) when `signal` aborts or `body` fails: sent without a Content-Length, a shorter body
 * is still a whole request, which the registry answers with the session's new Location (a streamed PATCH). Nothing
 * wrong is committed: a PATCH commits nothing, and a closing PUT's `?digest=` does not match fewer bytes (distribution
 * keeps a PUT's bytes either way, see docs/registry-quirks.md).
 */
export function stoppableBody(body: Readable, signal: AbortSignal | undefined): StoppableBody {
  let stopped: unknown;
  // Set when the HTTP client destroys the body (the registry answered before it ended: a 413, a 500, a 401; or the
  // connection dropped): the source's "premature close" that follows is our own doing, not why the upload stopped,
  // and must not hide the answer or the network error the recovery acts on (QA: a 413 to a streamed PATCH read
  // "Premature close" and never fell back to chunks).
  let released = false;
  let ended = false;
  // The chunks are handed on as `body` emits them, paused while `out` is full: no promise per chunk. A
  // `Promise.race([next chunk, aborted])` per chunk kept every chunk alive until the signal settled (each race adds a
  // reaction holding its result to the never-settled `aborted`): a 200 MiB upload held 200 MiB, and the allocation
  // and collection of it cost a streamed PATCH 1.5x the wall time of one PUT (bench/README.md, "Upload").
  const out = new Readable({
    highWaterMark: body.readableHighWaterMark,
    read() {
      body.resume();
    },
    destroy(err, callback) {
      released = true;
      detach();
      body.destroy();
      callback(err);
    },
  });
  const onData = (chunk: Buffer) => {
    if (!out.push(chunk)) body.pause();
  };
  /** Ends `out` cleanly, once; a body that stopped early is released. */
  const end = () => {
    if (ended) return;
    ended = true;
    detach();
    if (stopped !== undefined) body.destroy();
    out.push(null);
  };
  const onAbort = () => {
    if (released) return;
    stopped ??= signal?.reason;
    end();
  };
  const cleanup = finished(body, (err) => {
    if (err && !released) stopped ??= err;
    if (signal?.aborted) stopped ??= signal.reason;
    end();
  });
  function detach() {
    body.off("data", onData);
    signal?.removeEventListener("abort", onAbort);
    cleanup();
    // A failure after the end (the source's digest check, or our own destroy) is reported elsewhere or not at all.
    body.on("error", () => {});
  }
  body.pause();
  body.on("data", onData);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    body: out,
    get stopped() {
      return stopped;
    },
  };
}
