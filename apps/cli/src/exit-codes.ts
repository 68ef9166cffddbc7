import {
  AbortError,
  AuthenticationError,
  AuthorizationError,
  InvalidDigestError,
  InvalidReferenceError,
  NotFoundError,
  RegistryUnreachableError,
  TimeoutError,
  UsageError,
} from "@regatta/errors";

/** Exit statuses, documented in apps/cli/README.md; scripts may rely on them. */
export const EXIT = {
  ok: 0,
  /** Any other failure: a registry error, a digest mismatch, an I/O error. */
  error: 1,
  /** Bad usage or bad input: unknown flag, malformed reference or digest. */
  usage: 2,
  /** The repository, tag, manifest or blob does not exist. */
  notFound: 3,
  /** Authentication or authorisation failed (401/403). */
  auth: 4,
  /** The registry could not be reached: connection refused, DNS, TLS, timeout. */
  unreachable: 5,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export function exitCodeFor(error: unknown): number {
  if (
    error instanceof UsageError ||
    error instanceof InvalidReferenceError ||
    error instanceof InvalidDigestError
  ) {
    return EXIT.usage;
  }
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof AuthenticationError || error instanceof AuthorizationError) return EXIT.auth;
  if (error instanceof RegistryUnreachableError || error instanceof TimeoutError) return EXIT.unreachable;
  if (error instanceof AbortError) return EXIT.interrupted;
  return EXIT.error;
}
