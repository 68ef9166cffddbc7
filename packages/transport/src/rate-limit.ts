/**
 * The request-rate concern: at most `requestRate` requests a second to a registry that has one in `hosts`, as
 * regclient's per-host `reqPerSec` keeps a registry's own limit from being hit. A token bucket of one token, per origin:
 * requests to the origin start at least `1000 / rate` ms apart, each taking the next free turn in the order they
 * arrive, and a quiet spell saves up no burst. It sits below the retry concern, so every attempt takes a turn, and
 * above the deadline of an attempt, so a wait for a turn does not count against it.
 */
import type { Middleware } from "./exchange.js";
import { abortableSleep } from "./retry.js";

/** The rates and the clock of {@link rateLimiting}. */
export interface RateLimitConfig {
  /** Requests per second by origin (`https://registry.example`); an origin not named is not limited. */
  rates: ReadonlyMap<string, number>;
  now: () => number;
  /** Waits for a turn; injected, like retry's, so tests need no real time. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function rateLimiting(config: RateLimitConfig): Middleware {
  if (!config.rates.size) return (next) => next;
  /** By origin: when its next request may start (epoch ms). */
  const turns = new Map<string, number>();
  return (next) => async (exchange) => {
    const origin = exchange.url.origin;
    const rate = config.rates.get(origin);
    if (rate !== undefined) {
      const now = config.now();
      // The turn is taken before any await, so concurrent requests queue in the order they came. A request aborted
      // while it waits does not give its turn back: the ones after it start later than they could, never sooner.
      const start = Math.max(now, turns.get(origin) ?? now);
      turns.set(origin, start + 1000 / rate);
      if (start > now) await abortableSleep(config.sleep, start - now, exchange.signal);
    }
    return next(exchange);
  };
}
