/**
 * Timeouts. `connect` and `read` are undici's (connect timeout; headersTimeout and bodyTimeout, i.e. the longest
 * silence while waiting for headers or between body chunks). `request` is Regatta's overall deadline for one call:
 * it covers auth, retries, backoff and redirects until the final response headers arrive, but not the streaming of
 * the body, which may legitimately take minutes for a large layer (the read timeout still guards against stalls).
 */
import { redactUrl, TimeoutError } from "@regatta/errors";
import type { Middleware } from "./exchange.js";

/** Timeouts in milliseconds. */
export interface Timeouts {
  /** TCP + TLS connect. Default 10 s. */
  connect?: number;
  /** Longest wait for response headers, and longest silence between body chunks. Default 30 s. */
  read?: number;
  /** Overall deadline of one request until its final response headers. Default none. */
  request?: number;
}

/** The defaults: 10 s to connect, 30 s of silence, no overall deadline. */
export const DEFAULT_TIMEOUTS = { connect: 10_000, read: 30_000 } as const;

/** The deadline concern: aborts the request with a TimeoutError when `ms` pass before the response arrives. */
export function deadline(ms: number | undefined): Middleware {
  if (!ms) return (next) => next;
  return (next) => async (exchange) => {
    const controller = new AbortController();
    const url = redactUrl(exchange.url);
    const method = exchange.method.toUpperCase();
    const timer = setTimeout(() => {
      const prefix = exchange.context ? `${exchange.context}: ` : "";
      controller.abort(
        new TimeoutError(`${prefix}request timeout (${ms} ms) (${method} ${url})`, {
          request: { method, url },
          retryable: true,
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
