/**
 * Waits for `promise`, but gives up as soon as `signal` aborts (at once when it already has), rejecting with
 * `reason(signal)`: by default the signal's own reason, as `fetch` and `timers/promises` do. The work behind `promise`
 * is not stopped (pass the signal to it for that); only this wait ends, so one caller can stop waiting for work
 * others still share (a token request, an evaluation). A rejection of `promise` after the wait gave up is swallowed:
 * nobody is waiting for it any more. The abort listener goes when the wait ends, so waits on a long-lived signal do
 * not pile listeners up.
 *
 * It lives in `@regatta/errors` because that is the one package every user depends on: auth (which may not import
 * transport), transport's retry sleeps, and the apps through `@regatta/client`'s re-export.
 */
export function abortable<T>(
  promise: PromiseLike<T>,
  signal: AbortSignal | undefined,
  reason: (signal: AbortSignal) => unknown = (s) => s.reason,
): Promise<T> {
  if (!signal) return Promise.resolve(promise);
  if (signal.aborted) {
    promise.then(undefined, () => {});
    return Promise.reject(reason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
