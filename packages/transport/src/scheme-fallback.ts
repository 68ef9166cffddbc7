/**
 * Which failures of a connection say "another scheme answers on this port", for the registries whose scheme is the
 * transport's to find (never one the caller chose):
 *
 * - a registry listed as insecure starts at https, its certificate unverified, and falls back to plain http when no
 *   TLS answers there (docker's insecure-registries: https://docs.docker.com/reference/cli/dockerd/#insecure-registries;
 *   skopeo's `--tls-verify=false` alike): a TLS handshake that fails, or a port that refuses or resets;
 * - a loopback registry starts at plain http (no handshake to lose on every local run) and tries https when the
 *   port hangs up on a plain request or answers in bytes that are no HTTP (a TLS server's alert). The 400 that Go and
 *   nginx answer instead is https-port.ts's.
 *
 * A name that does not resolve and a timeout say nothing about the scheme: they stand as they are.
 */
import { ProtocolError, type RegattaError, RegistryUnreachableError, TlsError } from "@regatta/errors";
import { errorCode, PLAIN_HTTP_HINT, TLS_PORT_HINTS } from "./map-error.js";

/** Network failures that are about the host, not the scheme: trying the other scheme would only repeat them. */
const HOST_FAILURES = new Set(["ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]);

/** True when an https attempt failed as a port without TLS fails: worth plain http for an insecure registry. */
export function noTlsAnswered(error: unknown): boolean {
  if (error instanceof TlsError) return true;
  if (!(error instanceof RegistryUnreachableError)) return false;
  const code = errorCode((error as { cause?: unknown }).cause);
  return code === undefined || !HOST_FAILURES.has(code);
}

/** True when a plain-http attempt failed as a TLS port fails it: the port hung up, or answered no HTTP. */
export function mayBeTlsPort(error: unknown): boolean {
  const code = errorCode((error as { cause?: unknown }).cause);
  if (error instanceof ProtocolError) return code?.startsWith("HPE_") ?? false;
  if (!(error instanceof RegistryUnreachableError) || error instanceof TlsError) return false;
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE";
}

/**
 * The longest the https probe of a loopback port may take (less when the connect timeout is shorter). The probe is a
 * diagnosis, not a request the user made: one attempt, no retries. Through the whole retry stack a port that accepts
 * TCP and never answers a TLS handshake held a command whose own requests had failed in under a second for 42.7 s
 * (4 attempts of the 10 s connect timeout).
 */
export const TLS_PROBE_MS = 2_000;

/** What a plain-http failure says instead of "if the registry speaks https", once the https probe found no TLS. */
export const NO_TLS_EITHER_HINT =
  "no TLS answered on this port either: what listens there is no registry, or one that is failing";

/**
 * A plain-http failure as a TLS port would cause it, after the https probe of that port found no TLS: the same error
 * without the hint that suggests https. Any other error as it is.
 */
export function withoutHttpsHint(error: unknown): unknown {
  if (!(error instanceof RegistryUnreachableError || error instanceof ProtocolError)) return error;
  const e = error as RegattaError;
  if (e.hint !== TLS_PORT_HINTS.garbled && e.hint !== TLS_PORT_HINTS.hungUp) return error;
  const Kind = e.constructor as typeof RegistryUnreachableError;
  // The summary, request and cause were scrubbed when the error was made.
  return new Kind(e.summary, {
    code: e.code,
    retryable: e.retryable,
    hint: NO_TLS_EITHER_HINT,
    ...(e.request ? { request: e.request } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  });
}

/**
 * An https request's "seems to speak plain http: use --insecure" for a registry the caller listed insecure already
 * (--insecure given): `hint` instead, which says why plain http was not tried. Any other error as it is.
 */
export function withInsecureHint(error: unknown, hint: string): unknown {
  if (!(error instanceof TlsError) || error.hint !== PLAIN_HTTP_HINT) return error;
  return new TlsError(error.summary, {
    code: error.code,
    retryable: error.retryable,
    hint,
    ...(error.request ? { request: error.request } : {}),
    ...(error.cause !== undefined ? { cause: error.cause } : {}),
  });
}
