import { AbortError, abortable } from "@regatta/errors";
import type { Challenge } from "./parse-www-authenticate.js";
import { mergeScopes, scopeKey, scopesCover } from "./scope.js";
import type { Token } from "./token-response.js";
import type { Scope } from "./types.js";

interface CacheEntry {
  scopes: Scope[];
  token: Token;
}

/** The tokens of one (registry, realm, service): those obtained, and the requests still in flight. */
interface Bucket {
  cache: Map<string, CacheEntry>;
  inflight: Map<string, { scopes: Scope[]; promise: Promise<Token> }>;
}

/** Asks the token server for a token covering `scopes` (the widened set the cache settled on). */
export type FetchToken = (scopes: Scope[]) => Promise<Token>;

/**
 * Bearer tokens by (registry, realm, service) and scope set, with their expiry. Concurrent requests for scopes an
 * in-flight request covers share it (a singleflight, as oras-go's `auth/cache.go`), and a new request widens to the
 * scopes already held for the same resources, so a push after a pull asks once for `pull,push`.
 */
export class TokenCache {
  readonly #now: () => number;
  readonly #skew: number;
  readonly #buckets = new Map<string, Bucket>();

  /** @param skew Stop using a token this many milliseconds before it expires. */
  constructor(now: () => number, skew: number) {
    this.#now = now;
    this.#skew = skew;
  }

  /**
   * A token covering `scopes`: a fresh cached one, an in-flight request that will cover them, or a new one from
   * `fetch`. Nothing here awaits before the in-flight map is updated, so concurrent callers always find each other.
   * `signal` ends this caller's wait only: the shared request goes on for the others.
   */
  token(
    registry: string,
    challenge: Challenge,
    scopes: readonly Scope[],
    signal: AbortSignal | undefined,
    fetch: FetchToken,
  ): Promise<Token> {
    const bucket = this.#bucket(registry, challenge);
    const wanted = mergeScopes(scopes);
    const now = this.#now();
    for (const entry of bucket.cache.values()) {
      if (entry.token.expiresAt - this.#skew > now && scopesCover(entry.scopes, wanted)) {
        return Promise.resolve(entry.token);
      }
    }
    for (const flight of bucket.inflight.values()) {
      if (scopesCover(flight.scopes, wanted)) return withSignal(flight.promise, signal);
    }
    // Widening: a push after a pull on the same repository asks for pull,push, so one token serves both.
    const resources = new Set(wanted.map((s) => `${s.type}\u0000${s.name}`));
    const related = [...bucket.cache.values()].flatMap((e) =>
      e.scopes.filter((s) => resources.has(`${s.type}\u0000${s.name}`)),
    );
    const desired = mergeScopes(wanted, related);
    const key = scopeKey(desired);
    // The shared request gets no caller's signal: one caller giving up must not fail the others.
    const promise = fetch(desired).then((token) => {
      const at = this.#now();
      for (const [k, entry] of bucket.cache) {
        if (entry.token.expiresAt - this.#skew <= at || scopesCover(desired, entry.scopes))
          bucket.cache.delete(k);
      }
      bucket.cache.set(key, { scopes: desired, token });
      return token;
    });
    const settled = promise.finally(() => bucket.inflight.delete(key));
    settled.catch(() => {});
    bucket.inflight.set(key, { scopes: desired, promise: settled });
    return withSignal(settled, signal);
  }

  /** Drops a refused token from every cache of the registry. */
  forget(registry: string, token: string): void {
    for (const [key, bucket] of this.#buckets) {
      if (!key.startsWith(`${registry}\u0000`)) continue;
      for (const [k, entry] of bucket.cache) if (entry.token.token === token) bucket.cache.delete(k);
    }
  }

  #bucket(registry: string, challenge: Challenge): Bucket {
    // Stryker disable next-line StringLiteral: a Bearer challenge always has a realm; any constant keys the rest alike.
    const key = `${registry}\u0000${challenge.params.realm ?? ""}\u0000${challenge.params.service ?? ""}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { cache: new Map(), inflight: new Map() };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }
}

/** This caller's wait for a token: the abort says which wait ended, the signal's reason why. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return abortable(promise, signal, (s) => new AbortError("token request aborted", { cause: s.reason }));
}
