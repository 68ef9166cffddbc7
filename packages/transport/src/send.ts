/**
 * The bottom of the stack: one request through the undici dispatcher, and nothing else. Every concern above it
 * (log, redirect, retry, auth, status errors) works on the RawResponse this returns.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Exchange, Handler } from "./exchange.js";
import { mapTransportError } from "./map-error.js";

/** How long undici waits for headers and between body chunks; per request so an injected dispatcher honours it. */
export interface SendOptions {
  readTimeout: number;
  connectTimeout: number;
}

/** Lower-cases header names and joins repeated headers, so concerns can read `headers["www-authenticate"]`. */
export function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Builds the innermost handler on a dispatcher. Network, TLS, timeout and abort errors come out typed. */
export function createSend(dispatcher: Dispatcher, options: SendOptions): Handler {
  return async (exchange: Exchange) => {
    const { url } = exchange;
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: exchange.method as Dispatcher.HttpMethod,
        headers: exchange.headers,
        body: exchange.body.open(),
        signal: exchange.signal,
        headersTimeout: options.readTimeout,
        bodyTimeout: options.readTimeout,
      });
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        url: url.href,
        body: response.body as unknown as Readable,
      };
    } catch (err) {
      throw mapTransportError(err, {
        registry: exchange.registry,
        method: exchange.method,
        url,
        ...(exchange.context ? { context: exchange.context } : {}),
        ...(exchange.signal ? { signal: exchange.signal } : {}),
        timeouts: { connect: options.connectTimeout, read: options.readTimeout },
      });
    }
  };
}
