/**
 * Timeouts, split the way a user thinks of them (issue 10, item 8):
 *
 * - `connect`: TCP and TLS handshake of one connection attempt (undici's `connect.timeout`). A dead host is retried
 *   within the retry budget, so it is given up on after about (retries + 1) × connect.
 * - `idle`: no byte moved for this long, in either direction, on any request: waiting for response headers (undici's
 *   `headersTimeout`, which bounds the whole wait for them, so headers trickled a byte at a time count too; it also fires when a server stops reading an upload body: undici refreshes it on every write
 *   that fills the socket and fires it only while the socket still needs to drain), and between two chunks of a
 *   response body (`bodyTimeout`). A stall is final: waiting again for a server that went silent is not what a user
 *   who said "give up after N seconds of silence" asked for.
 * - `request`: the deadline of one attempt of a small request (manifests, tags, catalog, tokens, HEADs, pings, the
 *   upload's POST, status GET and closing PUT), from sending it until its body has been read, redirects included. It
 *   is not retried (the attempt was slow, not broken); the retry budget and backoff bound what happens around it,
 *   as go-containerregistry's retry transport wraps an http.Client with its own timeout. Never for blob bodies
 *   (`streaming` requests): a healthy 10 GiB layer may take an hour, and is guarded by `idle` instead.
 */
import { MAX_TIMEOUT_MS, redactUrl, TimeoutError, UsageError } from "@regatta/errors";
import type { Middleware } from "./exchange.js";

/** Timeouts in milliseconds. */
export interface Timeouts {
  /** TCP + TLS handshake of one connection attempt. Default 10 s. */
  connect?: number;
  /** Longest time without a byte moving in either direction (headers, body, upload). Default 30 s. */
  idle?: number;
  /** Deadline of one attempt of a small request, body included (never a blob body). Default 60 s; 0: none. */
  request?: number;
  /** @deprecated The former name of `idle`; `idle` wins when both are given. */
  read?: number;
}

/** Timeouts with every default filled in; `request` 0 means none. */
export interface ResolvedTimeouts {
  connect: number;
  idle: number;
  request: number;
}

/** The defaults: 10 s to connect, 30 s of silence, 60 s for a small request. */
export const DEFAULT_TIMEOUTS: Readonly<ResolvedTimeouts> = Object.freeze({
  connect: 10_000,
  idle: 30_000,
  request: 60_000,
});

/** The longest timeout, 2^31-1 ms: what a Node timer can wait (@regatta/errors' timer-limit.ts). */
export { MAX_TIMEOUT_MS };

/**
 * Fills in the defaults and refuses values that are not a positive number of milliseconds, or above
 * {@link MAX_TIMEOUT_MS}: every timeout, as every one may become a timer (here, or in undici).
 */
export function resolveTimeouts(timeouts: Timeouts = {}): ResolvedTimeouts {
  const pick = (name: keyof ResolvedTimeouts, value: number | undefined, zeroOk = false): number => {
    if (value === undefined) return DEFAULT_TIMEOUTS[name];
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) {
      throw new UsageError(`timeouts.${name} must be a positive number of milliseconds, not ${value}`);
    }
    if (value > MAX_TIMEOUT_MS) {
      throw new UsageError(
        `timeouts.${name} must be at most ${MAX_TIMEOUT_MS} ms (about 24.8 days, the longest a timer waits), not ${value}`,
      );
    }
    return value;
  };
  return {
    connect: pick("connect", timeouts.connect),
    idle: pick("idle", timeouts.idle ?? timeouts.read),
    request: pick("request", timeouts.request, true),
  };
}

/**
 * The deadline concern: aborts one attempt of a small request with a TimeoutError when `ms` pass before it is done.
 * It sits just below the retry concern, so each attempt has its own deadline, and above the redirects, which count;
 * `send.ts` reads a small request's body before answering, so the body counts too.
 */
export function deadline(ms: number): Middleware {
  if (!ms) return (next) => next;
  return (next) => async (exchange) => {
    if (exchange.streaming) return next(exchange);
    const controller = new AbortController();
    const url = redactUrl(exchange.url);
    const method = exchange.method.toUpperCase();
    const timer = setTimeout(() => {
      const prefix = exchange.context ? `${exchange.context}: ` : "";
      controller.abort(
        new TimeoutError(`${prefix}request timeout (${ms} ms) (${method} ${url})`, {
          request: { method, url },
          hint: "a small request (manifest, tags, token, upload open/close) took longer than --timeout (timeouts.request); raise it",
        }),
      );
    }, ms);
    const signal = exchange.signal
      ? AbortSignal.any([exchange.signal, controller.signal])
      : controller.signal;
    try {
      return await next({ ...exchange, signal });
    } finally {
      clearTimeout(timer);
    }
  };
}
