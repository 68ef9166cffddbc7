import { defaultMaxListeners, setMaxListeners } from "node:events";

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
 * fit yet. The first failure aborts the shared signal so that the other calls stop early, then rejects with it.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number | WeightedLimit<T>,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  parentSignal?: AbortSignal,
): Promise<R[]> {
  if (typeof limit !== "number") return mapWeighted(items, limit, fn, parentSignal);
  const controller = new AbortController();
  // Every call in flight listens to the shared signal, a few times over (its request, a body stream, a nested map):
  // more than Node's default of 10 is how this is used (a sync plans 16 at once), not a leak to warn about.
  setMaxListeners(Math.max(defaultMaxListeners, limit * 4), controller.signal);
  const onAbort = () => controller.abort(parentSignal?.reason);
  parentSignal?.addEventListener("abort", onAbort, { once: true });
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index, controller.signal);
      } catch (error) {
        if (!failure) failure = { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    parentSignal?.removeEventListener("abort", onAbort);
  }
  if (failure) throw failure.error;
  return results;
}

/** {@link mapConcurrent} with a weighted limit. */
async function mapWeighted<T, R>(
  items: readonly T[],
  limit: WeightedLimit<T>,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  parentSignal?: AbortSignal,
): Promise<R[]> {
  const controller = new AbortController();
  setMaxListeners(Math.max(defaultMaxListeners, limit.capacity * 4), controller.signal);
  const onAbort = () => controller.abort(parentSignal?.reason);
  parentSignal?.addEventListener("abort", onAbort, { once: true });
  const results = new Array<R>(items.length);
  const weights = items.map((item) => Math.max(0, limit.weight(item)));
  const waiting = items.map((_, i) => i);
  let load = 0;
  let running = 0;
  let failure: { error: unknown } | undefined;
  try {
    await new Promise<void>((resolve) => {
      const startWhatFits = () => {
        for (let k = 0; k < waiting.length && !failure; ) {
          const index = waiting[k] as number;
          const weight = weights[index] as number;
          if (running > 0 && load + weight > limit.capacity) {
            k++;
            continue;
          }
          waiting.splice(k, 1);
          load += weight;
          running++;
          fn(items[index] as T, index, controller.signal)
            .then(
              (result) => {
                results[index] = result;
              },
              (error: unknown) => {
                if (!failure) failure = { error };
                controller.abort(error);
              },
            )
            .finally(() => {
              load -= weight;
              running--;
              startWhatFits();
            });
        }
        if (running === 0 && (failure || waiting.length === 0)) resolve();
      };
      startWhatFits();
    });
  } finally {
    parentSignal?.removeEventListener("abort", onAbort);
  }
  if (failure) throw failure.error;
  return results;
}
