import { defaultMaxListeners, setMaxListeners } from "node:events";

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the order of results. The first failure
 * aborts the shared signal so that the other calls stop early, then rejects with that failure.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  parentSignal?: AbortSignal,
): Promise<R[]> {
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
