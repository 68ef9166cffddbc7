/**
 * A fetch made at most once per digest: the first caller starts it, every later caller (while it runs or after)
 * gets the same promise. Content addressing makes this safe: what a digest names never changes, so an inventory of
 * 300 tags over 20 images GETs each manifest and each config once, however many tags name it.
 */
export class OncePerDigest<T> {
  readonly #started = new Map<string, Promise<T>>();

  /** The result for `digest`, fetching it with `fetch` only if no one has asked before. */
  get(digest: string, fetch: () => Promise<T>): Promise<T> {
    let promise = this.#started.get(digest);
    if (!promise) {
      promise = fetch();
      this.#started.set(digest, promise);
    }
    return promise;
  }

  /** How many distinct digests were fetched (or are being fetched). */
  get size(): number {
    return this.#started.size;
  }
}
