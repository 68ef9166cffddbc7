/**
 * The bottom of the stack: one request through the undici dispatcher, and nothing else. Every concern above it
 * (log, redirect, retry, auth, status errors) works on the RawResponse this returns.
 *
 * The body of a small request (anything but a blob) is read here, inside the attempt, so that a connection cut or
 * stalled half-way through a manifest or a tags page is an error of the attempt, which the retry concern can repeat,
 * rather than an error of `text()` long after the retries are over (issue 10, item 9). Blob bodies stream.
 *
 * The error body of a streamed request (a blob GET answered 404, an upload PUT answered 500) gets the request
 * deadline too: the idle timeout alone never ends a body trickled a byte at a time, which would hold the request and
 * its socket for ever (QA 2026-12-02).
 */
import { Readable } from "node:stream";
import { redactUrl, TimeoutError } from "@regatta/errors";
import type { Dispatcher } from "undici";
import { DEFAULT_BODY_LIMIT, ERROR_BODY_LIMIT } from "./body.js";
import type { Exchange, Handler } from "./exchange.js";
import { mapTransportError } from "./map-error.js";
import { isExpected } from "./status.js";

/** The idle and connect timeouts, per request so an injected dispatcher honours them too. */
export interface SendOptions {
  /** No byte moved for this long: undici's headersTimeout (also a stalled upload) and bodyTimeout. */
  idleTimeout: number;
  connectTimeout: number;
  /**
   * The request deadline (`timeouts.request`, 0: none). A small request's attempt is bounded by the deadline concern
   * (timeouts.ts); here it bounds the error body of a streamed request, which that concern does not cover.
   */
  requestTimeout?: number;
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

/**
 * Reads up to `limit` bytes of a body. A body that fits comes back as a fresh stream of what was read; a longer one
 * as the bytes read followed by the rest, still streaming, so that the reader's own cap decides (and reports) it.
 */
async function bufferBody(body: Readable, limit: number): Promise<Readable> {
  const chunks: Buffer[] = [];
  let total = 0;
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) return Readable.from(chunks.length ? [Buffer.concat(chunks, total)] : []);
    chunks.push(value);
    total += value.length;
    // Stryker disable next-line EqualityOperator: a body of exactly `limit` bytes reads the same, whole now or through `rest`.
    if (total > limit) return rest(chunks, iterator, body);
  }
}

/**
 * The bytes read so far, then the rest of `body`. Destroying it destroys `body` at once, which releases the socket:
 * an answer dropped unread (a retried 503, a reader stopped by its cap) must not hold its connection until the idle
 * timeout, whether or not anyone started reading it and even while a read of the rest is pending.
 */
function rest(chunks: Buffer[], iterator: AsyncIterator<Buffer>, body: Readable): Readable {
  let next = 0;
  return new Readable({
    async read() {
      try {
        // Stryker disable next-line EqualityOperator: pushing one `undefined` adds nothing, and the next read goes on.
        if (next < chunks.length) return void this.push(chunks[next++]);
        const r = await iterator.next();
        this.push(r.done ? null : r.value);
      } catch (err) {
        this.destroy(err as Error);
      }
    },
    destroy(err, callback) {
      body.destroy();
      callback(err);
    },
  });
}

/**
 * An error answer's body that ends `ms` after its headers came, however slowly it trickles: destroyed then, with a
 * TimeoutError, which releases its socket. Whoever reads it (the status concern's error body, auth's 401, the
 * retry and redirect concerns' dump) stops there; the status concern reports the status with the bytes it got (the
 * registry's answer, a 404 or a 500, says more than that its error text was slow; crane and regctl report the status
 * too).
 */
export function boundedErrorBody(body: Readable, ms: number, exchange: Exchange): Readable {
  const method = exchange.method.toUpperCase();
  const url = redactUrl(exchange.url);
  const timer = setTimeout(() => {
    const prefix = exchange.context ? `${exchange.context}: ` : "";
    body.destroy(
      new TimeoutError(
        `${prefix}error body not complete within the request timeout (${ms} ms) (${method} ${url})`,
        {
          request: { method, url },
          hint: "the registry answered with an error and then sent its text too slowly; its status is what it said",
        },
      ),
    );
  }, ms);
  body.once("close", () => clearTimeout(timer));
  return body;
}

/** Builds the innermost handler on a dispatcher. Network, TLS, timeout and abort errors come out typed. */
export function createSend(dispatcher: Dispatcher, options: SendOptions): Handler {
  return async (exchange: Exchange) => {
    const { url } = exchange;
    const body = exchange.body.open();
    // Whether the request body was still being sent when the request failed: then an idle timeout means the server
    // stopped reading it, not that it is slow to answer.
    let sending = body instanceof Readable;
    if (body instanceof Readable) body.once("end", () => (sending = false));
    const fail = (err: unknown) =>
      mapTransportError(err, {
        registry: exchange.registry,
        method: exchange.method,
        url,
        baseOrigin: exchange.baseOrigin,
        ...(exchange.context ? { context: exchange.context } : {}),
        ...(exchange.signal ? { signal: exchange.signal } : {}),
        timeouts: { connect: options.connectTimeout, idle: options.idleTimeout },
        ...(sending ? { sending: true } : {}),
      });
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: exchange.method as Dispatcher.HttpMethod,
        // A copy: undici's ProxyAgent writes `host` into the headers object it is given, and the caller's object
        // goes on to the next hop of a redirect, which must not say it is for this one.
        headers: { ...exchange.headers },
        body,
        signal: exchange.signal,
        headersTimeout: options.idleTimeout,
        bodyTimeout: options.idleTimeout,
        // undici closes the connection after every HEAD (it sends `connection: close`), in case a server sends a
        // body it should not (https://github.com/nodejs/undici/issues/258). Registries answer HEADs as HTTP says,
        // and a sync or `tags --digests` is mostly HEADs: one TCP (and TLS) handshake per HEAD made up most of their
        // time. Keep-alive, as Go's client (crane, skopeo) does; a stray body would fail the next answer on that
        // connection, which is then retried like any reset.
        ...(exchange.method === "HEAD" ? { reset: false } : {}),
      });
      sending = false;
      const raw = {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        url: url.href,
        body: response.body as unknown as Readable,
      };
      if (exchange.streaming && options.requestTimeout && !isExpected(raw.status, exchange.expect)) {
        return { ...raw, body: boundedErrorBody(raw.body, options.requestTimeout, exchange) };
      }
      // Stryker disable next-line ConditionalExpression: a HEAD answer has no body, so reading it first changes nothing.
      if (exchange.streaming || exchange.method === "HEAD") return raw;
      // Error and redirect bodies are only ever read up to 64 KiB (status.ts, redirect.ts): read no more here.
      const limit = isExpected(raw.status, exchange.expect) ? DEFAULT_BODY_LIMIT : ERROR_BODY_LIMIT;
      return { ...raw, body: await bufferBody(raw.body, limit) };
    } catch (err) {
      throw fail(err);
    }
  };
}
