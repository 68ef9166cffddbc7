/**
 * Retries of transient failures, with exponential backoff and full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), honouring `Retry-After`.
 * Only a request that can be replayed on its own is retried: an idempotent method with a replayable body. A POST or
 * PATCH of an upload is never repeated here, because the registry may already have acted on it.
 */
import { abortable, formatWait, RETRYABLE_STATUSES, RegattaError, redactUrl } from "@regatta/errors";
import { dumpBody } from "./body.js";
import { canReplay, type Middleware } from "./exchange.js";
import { hopLabels, type Logger, statusLine } from "./log.js";
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
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  logger?: Logger;
  /**
   * Told of every wait of {@link NOTICE_WAIT_MS} or more that {@link RetryPolicy.wait} is given a {@link WaitReason}
   * for, whether or not there is a verbose log.
   */
  notice?: Logger;
}

/**
 * The shortest wait a user is told of without -v. Backoffs of a few hundred milliseconds pass unnoticed; a
 * `Retry-After: 30` on a 429 would otherwise look like a hang (crane and skopeo wait silently; docker prints
 * "Retrying in N seconds").
 */
export const NOTICE_WAIT_MS = 2000;

/** A refused connection means nothing listens: worth a quick second look (a registry restarting), not three. */
const REFUSED_ATTEMPTS = 1;
/**
 * The shortest wait after a 429 that says nothing about when to come back. Full jitter could answer a rate limit
 * with an immediate retry, which only earns another 429 (and can get a client banned), so a 429 waits at least 1 s,
 * doubling per retry up to the cap, plus up to as much again in jitter: 1–2 s, 2–4 s, …
 */
export const RATE_LIMITED_MIN_DELAY_MS = 1000;

/**
 * How many retries one operation may still use. One budget is shared by every request of an operation and by the
 * operation's own recoveries (a blob download resuming after a cut, an upload going on after a failed PATCH), so a
 * flaky registry costs at most `limit` extra attempts per operation, not `limit` per request.
 */
export class RetryBudget {
  #used = 0;
  constructor(readonly limit: number) {}
  /** Retries used so far. */
  get used(): number {
    return this.#used;
  }
  /** Takes one retry; false when none is left. */
  take(): boolean {
    if (this.#used >= this.limit) return false;
    this.#used++;
    return true;
  }
}

/** Full jitter: a random delay between 0 and min(max, base·2^attempt). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/** The wait after a 429 without `Retry-After`: see {@link RATE_LIMITED_MIN_DELAY_MS}. */
export function rateLimitedDelay(attempt: number, maxMs: number, random: () => number): number {
  const floor = Math.max(
    RATE_LIMITED_MIN_DELAY_MS,
    Math.min(maxMs, RATE_LIMITED_MIN_DELAY_MS * 2 ** attempt),
  );
  return Math.round(floor + random() * floor);
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds, or undefined when
 * the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every form of an HTTP-date starts with the day's name (RFC 9110 §5.6.7); `Date.parse` alone would read "1.5" or
  // "-3" as dates decades away, and a malformed header would then look like a request to wait forever.
  // Stryker disable next-line Regex: Date.parse reads no text that names a day only after its start (tried: "1 Jan 2030 Sun").
  if (!/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sleeps, but wakes up with the signal's reason when the caller aborts; an aborted caller does not start to sleep.
 * The signal goes to `sleep` too, so the default timer is cleared on abort rather than left to hold the process open
 * for the rest of a `Retry-After` (up to a minute) after the caller gave up.
 */
export async function abortableSleep(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  signal?.throwIfAborted();
  return abortable(sleep(ms, signal), signal);
}

/** The `Retry-After` of the answer an error was made from, for recoveries that happen above the retry concern. */
const retryAfters = new WeakMap<object, number>();

/** Remembers the `Retry-After` (ms) of the answer `error` was made from. */
export function noteRetryAfter(error: object, ms: number | undefined): void {
  // Stryker disable next-line ConditionalExpression: a stored `undefined` reads back as no Retry-After, as nothing stored does.
  if (ms !== undefined) retryAfters.set(error, ms);
}

/**
 * The retry policy of a Transport, shared by the retry concern and by the operations that recover on their own
 * (blob resume, upload recovery): one place decides how long to wait and how many retries an operation gets.
 */
export interface RetryPolicy {
  /** A fresh budget for one operation. */
  budget(limit?: number): RetryBudget;
  /** The wait before retry number `attempt` (0-based) after `status` (a 429 backs off harder). */
  delay(attempt: number, status?: number): number;
  /**
   * The wait before recovery number `attempt` (0-based) from `err`: its answer's `Retry-After` when it had one, else
   * the backoff for its status; undefined when the server asked for longer than `maxRetryAfterMs` (give up).
   */
  delayAfter(attempt: number, err: unknown): number | undefined;
  /**
   * Waits `ms`, waking with the abort reason when `signal` fires. Given `why`, a wait of {@link NOTICE_WAIT_MS} or
   * more is announced first (`notice`: "waiting 30 s before retrying GET … (1/3): 429 Too Many Requests"), so every
   * retry and recovery of an operation words its long waits alike.
   */
  wait(ms: number, signal?: AbortSignal, why?: WaitReason): Promise<void>;
  readonly config: RetryConfig;
}

/** What a wait is for, as its notice says it: "waiting 30 s before `before` (`budget` used/limit): `reason`". */
export interface WaitReason {
  /** What comes after the wait: "retrying GET https://…", "going on with the upload". Redacted by the caller. */
  before: string;
  /** The budget the retry was taken from: the notice counts it, "(1/3)". */
  budget: RetryBudget;
  /** Why it is retried: the status line or the error's message (and whether the server asked for the wait). */
  reason: string;
}

/**
 * Why something is tried again, as a wait's notice says it: the answer's status line, and whether its `Retry-After`
 * asked for the wait ("429 Too Many Requests, as its Retry-After asks"); a failure without an answer (a cut
 * connection) by its message. One wording for the retry concern and for the operations that recover on their own (an
 * upload's notice carried the whole error, URL and hint included, 447 characters; QA H7).
 */
export function retryReason(failure: unknown, asked?: boolean): string {
  const status =
    typeof failure === "number" ? failure : failure instanceof RegattaError ? failure.status : undefined;
  const said =
    status !== undefined ? statusLine(status) : failure instanceof Error ? failure.message : String(failure);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a WeakMap answers false for a primitive key too.
  const byRetryAfter = asked ?? (failure !== null && typeof failure === "object" && retryAfters.has(failure));
  return `${said}${byRetryAfter ? ", as its Retry-After asks" : ""}`;
}

/** Builds the policy from the settings. */
export function retryPolicy(config: RetryConfig): RetryPolicy {
  return {
    config,
    budget: (limit = config.attempts) => new RetryBudget(limit),
    delay: (attempt, status) =>
      status === 429
        ? rateLimitedDelay(attempt, config.maxDelayMs, config.random)
        : backoffDelay(attempt, config.baseDelayMs, config.maxDelayMs, config.random),
    delayAfter(attempt, err) {
      // Stryker disable next-line ConditionalExpression,LogicalOperator: a WeakMap answers undefined for a primitive key too.
      const asked = err && typeof err === "object" ? retryAfters.get(err) : undefined;
      if (asked !== undefined) return asked > config.maxRetryAfterMs ? undefined : asked;
      return this.delay(attempt, err instanceof RegattaError ? err.status : undefined);
    },
    wait(ms, signal, why) {
      if (why && ms >= NOTICE_WAIT_MS)
        config.notice?.(
          `waiting ${formatWait(ms)} before ${why.before} (${why.budget.used}/${why.budget.limit}): ${why.reason}`,
        );
      return abortableSleep(config.sleep, ms, signal);
    },
  };
}

/** The retry concern. */
export function retrying(policy: RetryPolicy): Middleware {
  const { config } = policy;
  return (next) => async (exchange) => {
    const replayable = canReplay(exchange);
    const budget = exchange.budget ?? policy.budget();
    let refused = 0;
    for (let attempt = 0; ; attempt++) {
      let delay: number;
      let reason: string;
      let hop: string | undefined;
      let failure: unknown;
      let asked = false;
      try {
        const response = await next(exchange);
        hop = hopLabels.get(response);
        if (!replayable || !RETRYABLE_STATUSES.has(response.status)) return response;
        const retryAfter = parseRetryAfter(response.headers["retry-after"], config.now());
        delay = retryAfter ?? policy.delay(attempt, response.status);
        // Waiting less than the server asked only earns another 429; waiting an hour is not a retry any more: the
        // answer is reported (with its Retry-After) instead.
        // Stryker disable next-line ConditionalExpression: an absent Retry-After compares false (undefined > n) anyway.
        if (retryAfter !== undefined && retryAfter > config.maxRetryAfterMs) return response;
        if (!budget.take()) return response;
        reason = statusLine(response.status);
        failure = response.status;
        asked = retryAfter !== undefined;
        await exchange.onDiscard?.(response).catch(() => undefined);
        await dumpBody(response.body);
      } catch (err) {
        hop = err && typeof err === "object" ? hopLabels.get(err) : undefined;
        const wasRefused = err instanceof RegattaError && errorCode(err.cause) === "ECONNREFUSED";
        if (wasRefused) refused++;
        if (!replayable || !(err instanceof RegattaError) || !err.retryable) throw err;
        if (refused > REFUSED_ATTEMPTS) throw err;
        delay = policy.delay(attempt);
        if (!budget.take()) throw err;
        reason = err.message;
        failure = err;
      }
      // Labelled with the hop it retries, so that with several requests in flight a retry pairs with its request.
      config.logger?.(
        `${hop ? `${hop} ` : ""}~ retry ${budget.used}/${budget.limit} in ${delay}ms: ${reason}`,
      );
      try {
        await policy.wait(delay, exchange.signal, {
          before: `retrying ${exchange.method} ${redactUrl(exchange.url)}`,
          budget,
          reason: retryReason(failure, asked),
        });
      } catch (err) {
        throw mapTransportError(err, exchange);
      }
    }
  };
}
