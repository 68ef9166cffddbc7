/**
 * A registry's pull quota as it announces it: Docker Hub's `RateLimit-Limit: 100;w=21600` and
 * `RateLimit-Remaining: 76;w=21600` (https://docs.docker.com/docker-hub/usage/pulls/), the shape of the IETF draft's
 * `quota;w=window` (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/). `reg.rateLimit(ref)`
 * reads it with a HEAD, which Docker Hub does not count as a pull, as `regctl image ratelimit` does.
 */
import { TooManyRequestsError } from "@regatta/errors";
import { quotaHeadersOf, rateLimitOf } from "@regatta/transport";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { headManifest } from "../get-manifest.js";

/** A pull quota: what the registry's headers said, parsed. */
export interface RateLimitInfo {
  /** Pulls allowed per window (`100` of `100;w=21600`). */
  limit?: number;
  /** Pulls left in the current window. */
  remaining?: number;
  /** The window in seconds (`21600` of `w=21600`), when the header gives one. */
  window?: number;
  /** Docker Hub's `Docker-RateLimit-Source`: the IP address or account the quota is counted against. */
  source?: string;
  /** The headers as sent. */
  raw: { limit?: string; remaining?: string };
  /**
   * True when the registry refused the HEAD with 429 Too Many Requests and its quota headers came with the refusal:
   * the quota is used up (Docker Hub answers so once `remaining` is 0).
   */
  exhausted?: boolean;
}

/** `100;w=21600` → `{ count: 100, window: 21600 }`; the first number of the first item, other parameters ignored. */
export function parseQuotaHeader(value: string): { count?: number; window?: number } {
  const [first = ""] = value.split(",");
  const [count, ...params] = first.split(";").map((s) => s.trim());
  const out: { count?: number; window?: number } = {};
  if (count !== undefined && /^\d+$/.test(count)) out.count = Number(count);
  for (const param of params) {
    const m = /^w\s*=\s*(\d+)$/.exec(param);
    if (m) out.window = Number(m[1]);
  }
  return out;
}

/** The quota a response's headers (lower-case names) announce, or undefined when they announce none. */
export function rateLimitFromHeaders(headers: Record<string, string>): RateLimitInfo | undefined {
  const raw = rateLimitOf(headers);
  if (!raw) return undefined;
  const limit = raw.limit !== undefined ? parseQuotaHeader(raw.limit) : {};
  const remaining = raw.remaining !== undefined ? parseQuotaHeader(raw.remaining) : {};
  const window = limit.window ?? remaining.window;
  const source = headers["docker-ratelimit-source"];
  return {
    ...(limit.count !== undefined ? { limit: limit.count } : {}),
    ...(remaining.count !== undefined ? { remaining: remaining.count } : {}),
    ...(window !== undefined ? { window } : {}),
    ...(source ? { source } : {}),
    raw,
  };
}

/**
 * The pull quota of the registry `reference` is on, read from the HEAD of its manifest (free on Docker Hub; the
 * registry itself, never a mirror, since the quota is the registry's). Undefined when the registry sends no
 * RateLimit headers. A 429 that carries them (the quota used up) is answered from its headers, `exhausted: true`.
 */
export async function readRateLimit(
  ctx: ClientContext,
  reference: ReferenceInput,
  options: { signal?: AbortSignal } = {},
): Promise<RateLimitInfo | undefined> {
  const ref = toReference(ctx, reference);
  try {
    const head = await headManifest(ctx, ref, { ...options, mirrors: false });
    return rateLimitFromHeaders(head.headers);
  } catch (error) {
    // A used-up quota is an answer, not a failure: the 429 carries the headers that say so (regctl reports them too).
    const headers = error instanceof TooManyRequestsError ? quotaHeadersOf(error) : undefined;
    const info = headers && rateLimitFromHeaders(headers);
    if (!info) throw error;
    return { ...info, exhausted: true };
  }
}
