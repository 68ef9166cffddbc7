import { AbortError, RegattaError, type RegattaErrorOptions, TimeoutError } from "./regatta-error.js";

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

/**
 * The typed error for work that `signal` stopped, `what` naming the work ("writing out.tar"): the reason itself when
 * it is already a RegattaError (a deadline's TimeoutError), a TimeoutError for `AbortSignal.timeout()` (as `fetch`
 * reports it), else an AbortError (code ABORTED) whose cause is the reason. Never the raw reason: a DOMException, or
 * whatever the caller passed to `abort()`, carries no code, and `catch (e) { if (e.code === "ABORTED") … }` must hold
 * on every path of every verb, whenever the abort lands (QA library6 F1).
 */
export function abortedError(
  signal: AbortSignal,
  what: string,
  options: RegattaErrorOptions = {},
): RegattaError {
  const reason: unknown = signal.reason;
  if (reason instanceof RegattaError) return reason;
  if ((reason as { name?: unknown } | undefined)?.name === "TimeoutError")
    return new TimeoutError(`${what}: the caller's signal timed out`, { ...options, cause: reason });
  return new AbortError(`${what} aborted`, { ...options, cause: reason });
}
