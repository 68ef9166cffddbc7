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
import { ProtocolError, RegistryUnreachableError, TlsError } from "@regatta/errors";
import { errorCode } from "./map-error.js";

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
