/**
 * A registry spoken to over plain http by default (loopback, `insecureRegistries`: docker's rule, base-url.ts) that
 * serves https on that port. Go's server answers a plain request on a TLS port with `400 Bad Request` and "Client
 * sent an HTTP request to an HTTPS server." (net/http), nginx with 400 and "The plain HTTP request was sent to HTTPS
 * port". Docker tries https first for such registries; Regatta, which speaks http first (no TLS handshake to lose on
 * every local run), takes this answer as the registry saying which scheme it speaks, and switches it to https for
 * the rest of the run (transport.ts), certificate verified as for any https registry.
 */
import { ProtocolError, redactUrl } from "@regatta/errors";

/** The code of the error a plain-http request to an https port gets, when the transport cannot switch. */
export const HTTPS_PORT = "HTTPS_PORT";

/** What Go's net/http and nginx answer a plain-http request on a TLS port. */
const PHRASES = /client sent an http request to an https server|plain http request was sent to https port/i;

/** True when this answer is an https port refusing a plain-http request. */
export function isHttpsPortAnswer(answer: { status: number; url: string; body: string }): boolean {
  return answer.status === 400 && answer.url.startsWith("http:") && PHRASES.test(answer.body);
}

/** The error for such an answer, naming what to do when the transport may not switch on its own. */
export function httpsPortError(answer: { method: string; url: string; context?: string }): ProtocolError {
  const url = new URL(redactUrl(answer.url));
  const what = answer.context ? `${answer.context}: ` : "";
  return new ProtocolError(`${what}${url.host} speaks https on this port, not plain http`, {
    code: HTTPS_PORT,
    status: 400,
    request: { method: answer.method, url: url.href },
    hint: `it is set to plain http (hosts["${url.host}"].tls is "disabled", or the scheme is http): leave the scheme to Regatta or choose https`,
  });
}

/** True for the error of {@link httpsPortError}. */
export function isHttpsPortError(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === HTTPS_PORT;
}
