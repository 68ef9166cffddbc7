/**
 * How Regatta words a wait, in whole seconds rounded up so that a message never promises less than the wait. Two
 * forms, for two readers:
 * - {@link formatWait}: a wait Regatta is about to take itself ("waiting 1 min 30 s before retrying …"), read as a
 *   duration;
 * - {@link retryAfterText}: a wait a registry asked for in its `Retry-After` (RFC 9110 §10.2.3), which Regatta reports
 *   rather than takes: the seconds as the header sent them, so the user can match them with it, and hours or minutes
 *   beside a large number.
 * The retry concern and the upload recovery (through the transport's `RetryPolicy.wait`) say the first, the hints of
 * `errorFromResponse` the second.
 */

/** Whole seconds, rounded up. */
function wholeSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** `2 s`, `1 min 30 s`, `60 min`: a wait about to be taken. */
export function formatWait(ms: number): string {
  const seconds = wholeSeconds(ms);
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${seconds} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** `7 s`, `600 s, about 10 min`, `3600 s, about 1 h`: a registry's `Retry-After`, as sent and roughly. */
export function retryAfterText(ms: number): string {
  const seconds = wholeSeconds(ms);
  if (seconds < 120) return `${seconds} s`;
  const rounded = seconds >= 3600 ? `${Math.round(seconds / 360) / 10} h` : `${Math.round(seconds / 60)} min`;
  return `${seconds} s, about ${rounded}`;
}
