/**
 * Retries of transient failures, with exponential backoff and full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), honouring `Retry-After`.
 * Only a request that can be replayed on its own is retried: an idempotent method with a replayable body. A POST or
 * PATCH of an upload is never repeated here, because the registry may already have acted on it.
 */
import { RETRYABLE_STATUSES, RegattaError } from "@regatta/errors";
import { dumpBody } from "./body.js";
import { canReplay, type Middleware } from "./exchange.js";
import type { Logger } from "./log.js";
import { statusLine } from "./log.js";
import { errorCode, mapTransportError } from "./map-error.js";

/** Retry settings. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  attempts?: number;
  /** Backoff base. Default 200 ms. */
  baseDelayMs?: number;
  /** Backoff cap. Default 5000 ms. */
  maxDelayMs?: number;
  /** The longest `Retry-After` honoured; a longer one is not waited for and the answer is returned. Default 60 s. */
  maxRetryAfterMs?: number;
}

/** Everything the retry concern needs, with I/O injected. */
export interface RetryConfig extends Required<RetryOptions> {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  logger?: Logger;
}

/** A refused connection means nothing listens: worth a quick second look (a registry restarting), not three. */
const REFUSED_ATTEMPTS = 1;

/** Full jitter: a random delay between 0 and min(max, base·2^attempt). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds, or undefined when
 * the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Sleeps, but wakes up with the signal's reason when the caller aborts. */
export async function abortableSleep(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!signal) return sleep(ms);
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** The retry concern. */
export function retrying(config: RetryConfig): Middleware {
  return (next) => async (exchange) => {
    const replayable = canReplay(exchange);
    for (let attempt = 0; ; attempt++) {
      let delay: number;
      let reason: string;
      try {
        const response = await next(exchange);
        if (!replayable || !RETRYABLE_STATUSES.has(response.status) || attempt >= config.attempts)
          return response;
        const retryAfter = parseRetryAfter(response.headers["retry-after"], config.now());
        // Waiting less than the server asked only earns another 429; waiting an hour is not a retry any more.
        if (retryAfter !== undefined && retryAfter > config.maxRetryAfterMs) return response;
        delay = retryAfter ?? backoffDelay(attempt, config.baseDelayMs, config.maxDelayMs, config.random);
        reason = statusLine(response.status);
        await dumpBody(response.body);
      } catch (err) {
        const refused = err instanceof RegattaError && errorCode(err.cause) === "ECONNREFUSED";
        const limit = refused ? Math.min(REFUSED_ATTEMPTS, config.attempts) : config.attempts;
        if (!replayable || !(err instanceof RegattaError) || !err.retryable || attempt >= limit) throw err;
        delay = backoffDelay(attempt, config.baseDelayMs, config.maxDelayMs, config.random);
        reason = err.message;
      }
      config.logger?.(`~ retry ${attempt + 1}/${config.attempts} in ${delay}ms: ${reason}`);
      try {
        await abortableSleep(config.sleep, delay, exchange.signal);
      } catch (err) {
        throw mapTransportError(err, exchange);
      }
    }
  };
}
