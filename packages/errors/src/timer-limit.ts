/**
 * The longest timeout: 2^31-1 ms (about 24.8 days), the longest a Node timer waits. Beyond it Node warns
 * (TimeoutOverflowWarning) and fires after 1 ms, so a longer timeout would time out at once. Here, in the base
 * package, because the transport refuses larger `timeouts` with it and the CLI its timeout flags, at start-up,
 * before the transport is loaded.
 * https://nodejs.org/api/timers.html#settimeoutcallback-delay-args
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
