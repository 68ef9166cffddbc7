/**
 * Keeping a sync inside a source registry's pull quota. Docker Hub counts manifest GETs (HEADs are free), and past
 * the quota answers 429 to every pull for hours. The guard reads `RateLimit-Remaining` from the responses the sync
 * gets anyway (the HEAD of every tag, the GET of every manifest it copies), counts the GETs it makes itself in
 * between, and before each batch of GETs either lets it through, stops with a {@link RateLimitLowError}, or (when
 * asked) waits, asking again with a HEAD every `pollMs`, until the window has given pulls back.
 */
import { setTimeout as delay } from "node:timers/promises";
import { TooManyRequestsError } from "@regatta/errors";
import type { RateLimitInfo } from "./rate-limit.js";
import type { RateLimitPolicy } from "./sync-types.js";

/** The sync stopped before a registry's pull quota ran out: `needed` GETs, `remaining` left, `reserve` kept. */
export class RateLimitLowError extends TooManyRequestsError {
  static override readonly kind: string = "RateLimitLowError";
  static override readonly defaultCode: string = "RATE_LIMIT_LOW";
  readonly registry: string;
  readonly remaining: number;
  readonly needed: number;
  readonly window?: number;

  constructor(
    registry: string,
    info: { remaining: number; needed: number; reserve: number; window?: number },
  ) {
    const { remaining, needed, reserve, window } = info;
    super(
      `stopped before ${registry}'s pull quota ran out: ${needed} manifest GET${needed === 1 ? "" : "s"} needed, ${remaining} left${reserve ? ` (keeping ${reserve})` : ""}${window ? ` in a ${window} s window` : ""}`,
      {
        hint: "run again later (what is copied stays copied: the sync resumes), authenticate for a larger quota, or let the sync wait for the quota (rateLimit.wait; regatta sync --rate-limit wait)",
      },
    );
    this.registry = registry;
    this.remaining = remaining;
    this.needed = needed;
    if (window !== undefined) this.window = window;
  }
}

/** The guard of one sync run, across the source registries it reads. */
export class RateLimitGuard {
  readonly #reserve: number;
  readonly #wait: boolean;
  readonly #pollMs: number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The latest announcement per registry, and the estimate of what is left now. */
  readonly #seen = new Map<string, RateLimitInfo>();
  readonly #left = new Map<string, number>();

  constructor(
    policy: RateLimitPolicy = {},
    // Cleared when the caller aborts, so a Ctrl-C during a wait leaves no timer holding the process open.
    sleep: (ms: number, signal?: AbortSignal) => Promise<void> = (ms, signal) =>
      delay(ms, undefined, signal ? { signal } : {}),
  ) {
    this.#reserve = Math.max(0, policy.reserve ?? 0);
    this.#wait = policy.wait ?? false;
    this.#pollMs = Math.max(1, policy.pollMs ?? 60_000);
    this.#sleep = sleep;
  }

  /** What `registry` announced last (undefined: no RateLimit headers seen). */
  info(registry: string): RateLimitInfo | undefined {
    return this.#seen.get(registry);
  }

  /** Every announcement seen, by registry. */
  all(): Record<string, RateLimitInfo> {
    return Object.fromEntries([...this.#seen].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Whether `registry` has a quota to keep (it announced one). */
  limited(registry: string): boolean {
    return this.#seen.has(registry);
  }

  /** Reads the quota from a response's parsed headers; a lower count than the estimate wins (GETs in flight). */
  observe(registry: string, info: RateLimitInfo | undefined): void {
    if (!info) return;
    this.#seen.set(registry, info);
    if (info.remaining === undefined) return;
    const left = this.#left.get(registry);
    this.#left.set(registry, left === undefined ? info.remaining : Math.min(left, info.remaining));
  }

  /**
   * Before `needed` manifest GETs at `registry`: lets them through (counting them off), or stops with a
   * {@link RateLimitLowError}, or with `wait` sleeps and asks `probe` (a HEAD) until the quota allows them.
   */
  async take(
    registry: string,
    needed: number,
    probe: () => Promise<RateLimitInfo | undefined>,
    signal?: AbortSignal,
  ): Promise<void> {
    for (;;) {
      const left = this.#left.get(registry);
      if (left === undefined || left - needed >= this.#reserve) {
        if (left !== undefined) this.#left.set(registry, left - needed);
        return;
      }
      const window = this.#seen.get(registry)?.window;
      if (!this.#wait) {
        throw new RateLimitLowError(registry, {
          remaining: left,
          needed,
          reserve: this.#reserve,
          ...(window !== undefined ? { window } : {}),
        });
      }
      await this.#sleep(this.#pollMs, signal);
      const now = await probe();
      // The registry's own count replaces the estimate: the window may have given pulls back.
      this.#left.delete(registry);
      this.observe(registry, now);
    }
  }
}
