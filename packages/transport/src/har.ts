/**
 * Session recording (issue 14, item 5): every HTTP exchange of a client as an HTTP Archive (HAR 1.2,
 * http://www.softwareishard.com/blog/har-12-spec/), a bug report anyone can attach and open in a browser's network
 * panel or any HAR viewer.
 *
 * Redacted by the same rules as the verbose log (log.ts), because a HAR is meant to be handed to someone else:
 * - headers that carry credentials (`Authorization`, cookies, cloud tokens: SECRET_HEADERS) keep their name and lose
 *   their value; query parameters not on the allowlist are replaced, as presigned blob URLs carry signatures there;
 * - token requests and their answers keep no body (a form with a password or a refresh token, a JSON with a token);
 * - blob bodies are never kept, in either direction: their size is recorded, their bytes are not;
 * - every text kept (a manifest, a tag list, a registry's error, which may echo what it was sent) is scrubbed
 *   against the client's secrets and token shapes before it is stored.
 * What is kept of a body is capped ({@link HAR_BODY_LIMIT}), and so is the number of entries a recorder holds.
 */
import { STATUS_CODES } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import { REDACTED, redactHeaders, redactUrl, type SecretSet, scrubText } from "@regatta/errors";
import { decodeText } from "./charset.js";
import { type Exchange, type Middleware, type RawResponse, TOKEN_REQUEST } from "./exchange.js";
import type { ProxyOf } from "./proxy.js";

/** Bytes of a request or response body kept as text in an entry; more is cut and said so (`comment`). */
export const HAR_BODY_LIMIT = 64 * 1024;

/** Entries one recorder holds by default; older ones are dropped first (a REPL session can run for hours). */
export const HAR_MAX_ENTRIES = 10_000;

interface HarNameValue {
  name: string;
  value: string;
}

interface HarContent {
  size: number;
  mimeType: string;
  text?: string;
  comment?: string;
}

/** One exchange, as HAR 1.2 writes it (the fields this recorder fills). */
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: never[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    postData?: { mimeType: string; text: string; comment?: string };
    headersSize: -1;
    bodySize: number;
    /** `via proxy http://proxy:3128 (from HTTPS_PROXY)` when the hop went through a proxy. */
    comment?: string;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: never[];
    headers: HarNameValue[];
    content: HarContent;
    redirectURL: string;
    headersSize: -1;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  comment?: string;
}

/** The whole archive. */
export interface HarLog {
  log: {
    version: "1.2";
    creator: { name: string; version: string };
    entries: HarEntry[];
    comment?: string;
  };
}

/** Collects the exchanges of the clients it is given to (`createClient(…, { har: recorder })`). */
export class HarRecorder {
  readonly #entries: HarEntry[] = [];
  readonly #maxEntries: number;
  #dropped = 0;
  /**
   * The requests sent and not answered yet: an archive written while they wait (the CLI's, when Ctrl-C ends a hung
   * run) shows them, answer-less, since a stalled request is why a user asked for the recording.
   */
  readonly #pending = new Set<HarEntry>();

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? HAR_MAX_ENTRIES);
  }

  /** How many exchanges are held. */
  get size(): number {
    return this.#entries.length;
  }

  /** @internal Called by the transport's recording concern. */
  add(entry: HarEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#maxEntries) {
      this.#entries.shift();
      this.#dropped++;
    }
  }

  /**
   * @internal Called by the transport's recording concern when a request leaves: `entry` (its response status 0)
   * stands in the archive until the returned function is called, when the exchange is recorded as it ended.
   */
  waiting(entry: HarEntry): () => void {
    this.#pending.add(entry);
    return () => this.#pending.delete(entry);
  }

  /** Forgets what was recorded. */
  clear(): void {
    this.#entries.length = 0;
    this.#dropped = 0;
  }

  /** The archive (HAR 1.2), entries in the order their requests left, the ones still waiting included. */
  toJSON(creatorVersion = "0.0.0"): HarLog {
    const waiting = [...this.#pending].map((entry) => ({
      ...entry,
      time: Math.max(0, Date.now() - Date.parse(entry.startedDateTime)),
    }));
    const entries = [...this.#entries, ...waiting].sort((a, b) =>
      a.startedDateTime.localeCompare(b.startedDateTime),
    );
    return {
      log: {
        version: "1.2",
        creator: { name: "regatta", version: creatorVersion },
        entries,
        ...(this.#dropped
          ? {
              comment: `the ${this.#dropped} oldest exchanges were dropped (at most ${this.#maxEntries} kept)`,
            }
          : {}),
      },
    };
  }
}

/** The response of an exchange that got none (failed, or still waiting). */
function noAnswer(): HarEntry["response"] {
  return {
    status: 0,
    statusText: "",
    httpVersion: "HTTP/1.1",
    cookies: [],
    headers: [],
    content: { size: 0, mimeType: "" },
    redirectURL: "",
    headersSize: -1,
    bodySize: -1,
  };
}

/** Headers redacted as the log would: credentials by name, and URLs (a redirect's presigned target) by query. */
const headerList = (headers: Record<string, string>): HarNameValue[] =>
  Object.entries(redactHeaders(headers)).map(([name, value]) => ({
    name,
    value: name === "location" || name === "content-location" ? redactUrl(value) : value,
  }));

const mimeOf = (headers: Record<string, string>) => headers["content-type"] ?? "";

/** A body's bytes as text when they are text a person can read (JSON, text); undefined otherwise. */
function readableText(bytes: Uint8Array, mimeType: string): string | undefined {
  if (!/json|text|xml|x-www-form-urlencoded/i.test(mimeType) && mimeType !== "") return undefined;
  const text = decodeText(bytes, mimeType);
  // Bytes that are not UTF-8 (a blob served without a type) are not text.
  return text.includes("\uFFFD") ? undefined : text;
}

/**
 * Records each hop (a redirect or a retry is an exchange of its own, as the log shows it) into `recorder`. Sits where
 * the log does, below auth: it sees the `Authorization` header that went, and drops its value.
 */
export function recording(
  recorder: HarRecorder | undefined,
  secrets: SecretSet,
  now: () => number,
  proxyOf?: ProxyOf,
): Middleware {
  if (!recorder) return (next) => next;
  const scrub = (text: string) => scrubText(text, secrets);
  return (next) => async (exchange) => {
    const started = now();
    const startedDateTime = new Date().toISOString();
    const token = exchange.context === TOKEN_REQUEST;
    const url = redactUrl(exchange.url);
    const proxy = proxyOf?.(exchange.url);
    const request: HarEntry["request"] = {
      method: exchange.method,
      url: scrub(url),
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: headerList(exchange.headers).map(({ name, value }) => ({ name, value: scrub(value) })),
      queryString: [...new URL(url).searchParams].map(([name, value]) => ({ name, value: scrub(value) })),
      headersSize: -1,
      bodySize: requestBodySize(exchange),
      ...requestPostData(exchange, token, scrub),
      ...(proxy ? { comment: `via proxy ${proxy}` } : {}),
    };
    let response: RawResponse;
    const answered = recorder.waiting({
      startedDateTime,
      time: 0,
      request,
      response: noAnswer(),
      cache: {},
      timings: { send: 0, wait: 0, receive: 0 },
      comment: "no answer: the run ended while this request waited",
    });
    try {
      response = await next(exchange);
    } catch (err) {
      answered();
      recorder.add({
        startedDateTime,
        time: Math.max(0, now() - started),
        request,
        response: noAnswer(),
        cache: {},
        timings: { send: 0, wait: Math.max(0, now() - started), receive: 0 },
        comment: `failed: ${scrub(err instanceof Error ? err.message : String(err))}`,
      });
      throw err;
    }
    answered();
    const waited = Math.max(0, now() - started);
    const mimeType = mimeOf(response.headers);
    const length = response.headers["content-length"];
    const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : -1;
    const entry: HarEntry = {
      startedDateTime,
      time: waited,
      request,
      response: {
        status: response.status,
        statusText: STATUS_CODES[response.status] ?? "",
        httpVersion: "HTTP/1.1",
        cookies: [],
        headers: headerList(response.headers).map(({ name, value }) => ({ name, value: scrub(value) })),
        content: { size: Math.max(0, declared), mimeType },
        redirectURL: response.headers.location ? scrub(redactUrl(response.headers.location)) : "",
        headersSize: -1,
        bodySize: declared,
      },
      cache: {},
      timings: { send: 0, wait: waited, receive: 0 },
    };
    recorder.add(entry);
    const omitted = omittedBody(exchange, token, response);
    if (omitted) {
      entry.response.content.comment = omitted;
      return response;
    }
    // Kept as the body is read by whoever reads it (the status concern, a manifest parse), never read here first.
    return {
      ...response,
      body: tee(response.body, (bytes, total, cut) => {
        const text = readableText(bytes, mimeType);
        entry.response.content.size = total;
        entry.response.bodySize = total;
        entry.time = Math.max(0, now() - started);
        entry.timings.receive = Math.max(0, entry.time - waited);
        if (text === undefined) entry.response.content.comment = "not text: not kept";
        else {
          entry.response.content.text = scrub(text);
          if (cut) entry.response.content.comment = `cut at ${HAR_BODY_LIMIT} of ${total} bytes`;
        }
      }),
    };
  };
}

/** Why a response body is not kept, or undefined when it is. */
function omittedBody(exchange: Exchange, token: boolean, response: RawResponse): string | undefined {
  if (token) return "a token response: not kept";
  if (exchange.streaming || /\/blobs\//.test(exchange.url.pathname)) return "a blob: not kept";
  if (exchange.method === "HEAD" || response.status === 204) return "no body";
  return undefined;
}

function requestBodySize(exchange: Exchange): number {
  const length = exchange.headers["content-length"];
  if (length !== undefined && /^\d+$/.test(length)) return Number(length);
  return exchange.method === "GET" || exchange.method === "HEAD" ? 0 : -1;
}

/** A request body worth keeping (a manifest PUT); a token request's is replaced, a blob's never kept. */
function requestPostData(
  exchange: Exchange,
  token: boolean,
  scrub: (text: string) => string,
): Pick<HarEntry["request"], "postData"> {
  if (exchange.method === "GET" || exchange.method === "HEAD" || !exchange.body.replayable) return {};
  const mimeType = mimeOf(exchange.headers);
  if (token) return { postData: { mimeType, text: REDACTED, comment: "a token request: not kept" } };
  // Only a manifest's bytes are worth keeping: opening any other body (a stream factory) would open a file for nothing.
  if (exchange.streaming || !/\/manifests\//.test(exchange.url.pathname)) return {};
  const body = exchange.body.open();
  if (body === null || !(typeof body === "string" || body instanceof Uint8Array)) return {};
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const text = readableText(bytes.subarray(0, HAR_BODY_LIMIT), mimeType);
  if (text === undefined) return {};
  return {
    postData: {
      mimeType,
      text: scrub(text),
      ...(bytes.length > HAR_BODY_LIMIT
        ? { comment: `cut at ${HAR_BODY_LIMIT} of ${bytes.length} bytes` }
        : {}),
    },
  };
}

/**
 * The body passed on untouched, its first {@link HAR_BODY_LIMIT} bytes kept on the side; `done` is called once, when
 * the body ends, with what was kept, the total and whether it was cut. A body nobody reads records nothing.
 */
function tee(body: Readable, done: (kept: Uint8Array, total: number, cut: boolean) => void): Readable {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  const out = new PassThrough();
  body.on("data", (chunk: Buffer) => {
    total += chunk.length;
    if (keptBytes < HAR_BODY_LIMIT) {
      const part = chunk.subarray(0, HAR_BODY_LIMIT - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
  });
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    done(Buffer.concat(kept), total, total > keptBytes);
  };
  body.once("end", report);
  body.once("error", (err) => out.destroy(err));
  out.once("close", () => {
    if (!body.destroyed && !body.readableEnded) body.destroy();
  });
  body.pipe(out);
  // A body released unread (`dump()`, dumpBody in body.ts) is released as undici's own, so its socket is reused.
  const undiciBody = body as Readable & { dump?: (opts?: { limit?: number }) => Promise<void> };
  if (typeof undiciBody.dump === "function") {
    Object.assign(out, {
      dump: async (opts?: { limit?: number }) => {
        body.unpipe(out);
        try {
          await undiciBody.dump?.(opts);
        } finally {
          report();
          out.destroy();
        }
      },
    });
  }
  return out;
}
