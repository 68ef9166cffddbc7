import { defaultMaxListeners, setMaxListeners } from "node:events";
import { AbortError } from "@regatta/errors";

/** A limit by weight: calls in flight may weigh `capacity` together (and one call always runs, whatever it weighs). */
export interface WeightedLimit<T> {
  capacity: number;
  weight: (item: T) => number;
}

/** Blobs below this size count a quarter of a job in {@link blobLimit}. */
export const SMALL_BLOB_BYTES = 1024 * 1024;

/**
 * The limit for transferring blobs with `jobs` jobs: up to `jobs` large blobs at once, and four small ones in place
 * of each. A small blob's time is its requests' round trips (HEAD, GET, POST, PUT), which overlap well; a large one's
 * is bytes through the same cores and sockets, where more streams only share them (issue 15: "concurrency by size,
 * not one --jobs").
 */
export function blobLimit(jobs: number): WeightedLimit<{ size: number }> {
  return { capacity: jobs * 4, weight: (blob) => (blob.size < SMALL_BLOB_BYTES ? 1 : 4) };
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight (or calls weighing at most its capacity), keeping
 * the order of results. Items start in order, except that a light item may start ahead of a heavy one that does not
 * fit yet; one call always runs, whatever it weighs. The first failure aborts the shared signal so that the other
 * calls stop early (with an AbortError whose cause is that failure; the parent signal's abort passes its own reason
 * on), starts nothing more, then rejects with that failure.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number | WeightedLimit<T>,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  parentSignal?: AbortSignal,
): Promise<R[]> {
  const { capacity, weight } = typeof limit === "number" ? { capacity: limit, weight: () => 1 } : limit;
  const controller = new AbortController();
  // Every call in flight listens to the shared signal, a few times over (its request, a body stream, a nested map):
  // more than Node's default of 10 is how this is used (a sync plans 16 at once), not a leak to warn about.
  setMaxListeners(Math.max(defaultMaxListeners, capacity * 4), controller.signal);
  const onAbort = () => controller.abort(parentSignal?.reason);
  parentSignal?.addEventListener("abort", onAbort, { once: true });
  const results = new Array<R>(items.length);
  const weights = items.map((item) => Math.max(0, weight(item)));
  const started = new Array<boolean>(items.length).fill(false);
  let first = 0; // every item before it has started
  let load = 0;
  let running = 0;
  let failure: { error: unknown } | undefined;
  const run = async (index: number) => {
    try {
      results[index] = await fn(items[index] as T, index, controller.signal);
    } catch (error) {
      if (!failure) failure = { error };
      // The others stop with an abort of their own, never with this failure: a request of theirs cut short reports
      // its signal's reason (transport), which would make this failure theirs in a caller that records each item's.
      controller.abort(new AbortError("stopped after another item of the batch failed", { cause: error }));
    }
  };
  try {
    await new Promise<void>((resolve) => {
      const startWhatFits = () => {
        while (first < items.length && started[first]) first++;
        // Stops at a full load: with equal weights the next item is always the first not started.
        for (
          let index = first;
          index < items.length && !failure && (running === 0 || load < capacity);
          index++
        ) {
          const cost = weights[index] as number;
          if (started[index] || (running > 0 && load + cost > capacity)) continue;
          started[index] = true;
          load += cost;
          running++;
          void run(index).then(() => {
            load -= cost;
            running--;
            startWhatFits();
          });
        }
        if (running === 0) resolve(); // nothing left, or a failure stopped the rest
      };
      startWhatFits();
    });
  } finally {
    parentSignal?.removeEventListener("abort", onAbort);
  }
  if (failure) throw failure.error;
  return results;
}
