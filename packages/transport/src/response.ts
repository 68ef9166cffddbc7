/** The response a caller of `Transport.request` gets: the undici body plus capped readers. */
import type { Readable } from "node:stream";
import { notRegistrySuccess, ProtocolError, redactUrl } from "@regatta/errors";
import { DEFAULT_BODY_LIMIT, dumpBody, readBody } from "./body.js";
import type { RawResponse } from "./exchange.js";

/** Docker Hub's pull quota, from the `ratelimit-limit` / `ratelimit-remaining` headers (e.g. `100;w=21600`). */
export interface RateLimit {
  limit?: string;
  remaining?: string;
}

/** A registry's answer. Its body must be consumed (`text`, `bytes`, `json`, piping `body`) or released (`dump`). */
export interface RegistryResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The URL that answered, after redirects. */
  url: string;
  /** The undici body stream. */
  body: Readable;
  /** The body as UTF-8, failing with ProtocolError past `limit` bytes (default 4 MiB). */
  text(limit?: number): Promise<string>;
  /** The body as bytes, failing with ProtocolError past `limit` bytes (default 4 MiB). */
  bytes(limit?: number): Promise<Uint8Array>;
  /** The body parsed as JSON, failing with ProtocolError when it is not JSON or past `limit` bytes. */
  json<T = unknown>(limit?: number): Promise<T>;
  /** Releases the body without reading it. */
  dump(): Promise<void>;
  /** Present when the registry sent Docker Hub's rate-limit headers. */
  rateLimit?: RateLimit;
}

/** Docker Hub's rate-limit headers, when present (https://docs.docker.com/docker-hub/usage/pulls/). */
export function rateLimitOf(headers: Record<string, string>): RateLimit | undefined {
  const limit = headers["ratelimit-limit"];
  const remaining = headers["ratelimit-remaining"];
  if (limit === undefined && remaining === undefined) return undefined;
  return { ...(limit !== undefined ? { limit } : {}), ...(remaining !== undefined ? { remaining } : {}) };
}

/** The quota headers of the answers errors were made from: a 429 says how much quota is left (none) and whose. */
const errorQuotas = new WeakMap<object, Record<string, string>>();

/**
 * Remembers the quota headers (`ratelimit-limit`, `ratelimit-remaining`, `docker-ratelimit-source`) of the answer
 * `error` was made from, so that `reg.rateLimit()` can report an exhausted quota from the 429 that refused it.
 */
export function noteQuotaHeaders(error: object, headers: Record<string, string>): void {
  if (!rateLimitOf(headers)) return;
  const kept: Record<string, string> = {};
  for (const name of ["ratelimit-limit", "ratelimit-remaining", "docker-ratelimit-source"]) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value;
  }
  errorQuotas.set(error, kept);
}

/** The quota headers of the answer `error` was made from (see {@link noteQuotaHeaders}), when it had any. */
export function quotaHeadersOf(error: unknown): Record<string, string> | undefined {
  return typeof error === "object" && error !== null ? errorQuotas.get(error) : undefined;
}

/**
 * Wraps a raw response. `mapError` turns body-stream errors (read timeout, reset) into typed errors; `request` (the
 * method, and what was being done) makes a body over its cap an error a person can place: "get manifest X: the
 * response body is larger than 4194304 bytes (GET https://…)".
 */
export function toRegistryResponse(
  raw: RawResponse,
  mapError: (err: unknown) => unknown,
  request?: { method: string; context?: string },
): RegistryResponse {
  const shown = redactUrl(raw.url);
  const what = request?.context ? `${request.context}: the response body` : `response body of ${shown}`;
  const bytes = (limit = DEFAULT_BODY_LIMIT) =>
    readBody(
      raw.body,
      limit,
      mapError,
      what,
      request ? { method: request.method.toUpperCase(), url: shown } : undefined,
    );
  const rateLimit = rateLimitOf(raw.headers);
  return {
    status: raw.status,
    headers: raw.headers,
    url: raw.url,
    body: raw.body,
    bytes,
    text: async (limit) => (await bytes(limit)).toString("utf8"),
    json: async <T>(limit?: number) => {
      const text = (await bytes(limit)).toString("utf8");
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        // A web page answering 200 where the API's JSON belongs: the host is the mistake, not the page.
        const foreign = notRegistrySuccess({
          method: "GET",
          url: raw.url,
          status: raw.status,
          headers: raw.headers,
          body: text.slice(0, 4096),
        });
        throw foreign ?? new ProtocolError(`response of ${shown} is not valid JSON`, { cause: err });
      }
    },
    dump: () => dumpBody(raw.body),
    ...(rateLimit ? { rateLimit } : {}),
  };
}
