/**
 * Turns what undici and node:net/node:tls throw into Regatta's typed errors, each with the registry, the redacted
 * request and a hint a person can act on. The original error stays on `cause` (never printed by `toJSON`).
 */

import { maxHeaderSize, STATUS_CODES } from "node:http";
import { FORBIDDEN_ADDRESS } from "@regatta/auth";
import {
  AbortError,
  AuthenticationError,
  ProtocolError,
  RegattaError,
  RegistryUnreachableError,
  redactUrl,
  type SecretSet,
  TimeoutError,
  TlsError,
  UnsupportedError,
} from "@regatta/errors";
import { TOKEN_REQUEST } from "./exchange.js";
import { ProxyConnectFailure, ProxyRefused } from "./proxy.js";
import { sentElsewhere } from "./sent-elsewhere.js";

/** What the mapper needs to know about the request that failed. */
export interface FailedRequest {
  registry: string;
  method: string;
  url: string | URL;
  context?: string;
  signal?: AbortSignal;
  /**
   * The client's secrets: errors that quote what came off the wire (a TLS or parser message, an undici error whose
   * cause holds the server's bytes) are scrubbed against them.
   */
  secrets?: SecretSet;
  timeouts?: { connect?: number; idle?: number };
  /** The request body was still being sent: a headers timeout then means the server stopped reading it. */
  sending?: boolean;
  /**
   * The registry's own origin. A request elsewhere went where the registry sent it (a redirect, an upload
   * Location): a scheme that does not fit that port is the registry's to fix, not a flag the user should change.
   */
  baseOrigin?: string;
  /** The response had begun (its body was being read): a cut then says nothing about the port's scheme. */
  answered?: boolean;
}

/** The hint of an https request a plain-http port answered; the transport words it otherwise under --insecure. */
export const PLAIN_HTTP_HINT = "the registry seems to speak plain http: use --insecure / http";

/**
 * The hints of a plain-http failure that a TLS port would cause: an answer that is no HTTP (`garbled`), a hang-up
 * without one (`hungUp`). The transport drops them when its https probe of that port found no TLS (scheme-fallback.ts).
 */
export const TLS_PORT_HINTS = Object.freeze({
  garbled: "if the registry speaks https, drop --insecure / http",
  hungUp: "if the registry only speaks https, do not use --insecure / http",
});

/** What to do about an idle timeout. */
const IDLE_HINT =
  "no byte moved for that long; raise --idle-timeout (timeouts.idle) if the registry is just slow";

/**
 * What to do about headers that did not arrive in time. undici's headersTimeout bounds the whole wait for them, so
 * a server trickling its headers a byte at a time runs into it too: not "no byte moved".
 */
const HEADERS_HINT =
  "the response headers were not complete within that long; raise --idle-timeout (timeouts.idle) if the registry is just slow";

/** Certificate verification failures: the server is there, but not trusted. */
const CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Connection failures worth another attempt, and how to say them. */
const NETWORK: Record<string, { text: string; retryable: boolean }> = {
  ECONNREFUSED: { text: "connection refused", retryable: true },
  ECONNRESET: { text: "connection reset", retryable: true },
  EPIPE: { text: "connection reset", retryable: true },
  UND_ERR_SOCKET: { text: "connection closed by the server", retryable: true },
  // undici's name for a connection closed before the body its Content-Length announced was all there (a server that
  // says `Connection: close`): a cut like any other, so retried and resumed. A longer body cannot raise it: the bytes
  // after Content-Length are read as the next answer, and fail as unparsable HTTP.
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: {
    text: "connection closed before the whole body its Content-Length announced",
    retryable: true,
  },
  ENOTFOUND: { text: "host not found", retryable: false },
  EAI_AGAIN: { text: "DNS lookup failed (temporary)", retryable: true },
  ETIMEDOUT: { text: "connection timed out", retryable: true },
  EHOSTUNREACH: { text: "host unreachable", retryable: false },
  ENETUNREACH: { text: "network unreachable", retryable: false },
  UND_ERR_CLOSED: { text: "connection pool closed", retryable: false },
  UND_ERR_DESTROYED: { text: "connection pool closed", retryable: false },
};

/** Whether TLS answered but its certificate was not trusted (self-signed, unknown CA, expired, wrong name). */
export function isCertificateRefusal(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CERT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The `code` of an error or of its cause (undici and node wrap each other). */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An error's message on one line: OpenSSL's end with a newline, which a one-line error would show as `\n`. */
function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Who a failed request was talking to, as errors name it: the registry, its token endpoint, or a host one of them
 * sent the request to (a redirect, an upload Location), named with who sent it there. `chosen`: a host the user did
 * not name, whose certificate must not be waved through with --tls-skip-verify (that would stop checking every
 * host, those a hostile registry picks included).
 */
function peer(url: URL, req: FailedRequest): { name: string; chosen: boolean } {
  const token = req.context === TOKEN_REQUEST;
  if (req.baseOrigin === undefined || url.origin === req.baseOrigin) {
    return token
      ? { name: `token endpoint ${url.host}`, chosen: true }
      : { name: `registry ${req.registry}`, chosen: false };
  }
  const { there, sender } = sentElsewhere(url, req.baseOrigin, req.registry);
  return {
    name: `${there}, where ${token ? "token endpoint" : "registry"} ${sender} sent the request`,
    chosen: true,
  };
}

/** Maps any error thrown while sending a request or reading its body to a RegattaError. */
export function mapTransportError(err: unknown, req: FailedRequest): RegattaError {
  if (err instanceof RegattaError) return err;
  const url = new URL(String(req.url));
  const request = { method: req.method.toUpperCase(), url: redactUrl(url) };
  const where = `(${request.method} ${request.url})`;
  const prefix = req.context ? `${req.context}: ` : "";
  const host = url.host;
  const talkingTo = peer(url, req);

  // The caller's signal, or the request deadline (whose reason is already a TimeoutError).
  if (req.signal?.aborted) {
    const reason: unknown = req.signal.reason;
    if (reason instanceof RegattaError) return reason;
    // The caller's AbortSignal.timeout(ms) ran out: a timeout, as fetch reports it, not an interruption.
    if ((reason as { name?: unknown } | undefined)?.name === "TimeoutError") {
      return new TimeoutError(`${prefix}the caller's signal timed out ${where}`, { request, cause: err });
    }
    return new AbortError(`${prefix}aborted ${where}`, { request, cause: err });
  }
  const code = errorCode(err);
  // undici's proxy agent reports a proxy that refuses to tunnel as an aborted request: it is the proxy's answer.
  if (err instanceof ProxyRefused)
    return proxyRefusal(err.status, host, prefix, where, request, err, err.source);
  // A plain-http registry's proxy (asked in absolute form, proxy.ts) that wants credentials: undici's own error.
  if (/Proxy Authentication Required \(407\)/.test(messageOf(err)))
    return proxyRefusal(407, host, prefix, where, request, err, "--proxy, or HTTP_PROXY");
  const refusedTunnel = /Proxy response \((\d{3})\) !== 200/.exec(messageOf(err));
  if (refusedTunnel) return proxyRefusal(Number(refusedTunnel[1]), host, prefix, where, request, err);
  if (err instanceof ProxyConnectFailure) return proxyUnreachable(err, prefix, where, request, req);
  // Stryker disable next-line StringLiteral: only "AbortError" counts below, and no other text is that.
  const name = err instanceof Error ? err.name : "";
  if (code === "UND_ERR_ABORTED" || code === "UND_ERR_ABORT" || name === "AbortError") {
    return new AbortError(`${prefix}aborted ${where}`, { request, cause: err });
  }
  if (code === FORBIDDEN_ADDRESS) {
    // A destination a server chose resolved to a link-local or metadata address (dispatcher.ts): never retried.
    return new ProtocolError(`${prefix}${messageOf(err)} ${where}`, {
      code: "FORBIDDEN_ADDRESS",
      request,
      retryable: false,
      cause: err,
    });
  }
  // undici refused to build the request (a header value with CR, LF or NUL, or a character above U+00FF): nothing
  // was sent, so the peer is not "unreachable" (exit 5, which scripts retry), and sending again would send the same
  // value. auth checks the tokens it hands out (unsendable-token.ts); this is the net for every other value.
  if (code === "UND_ERR_INVALID_ARG") {
    return new RegattaError(`${prefix}request to ${talkingTo.name} not sent: ${messageOf(err)} ${where}`, {
      code: "REQUEST_NOT_SENT",
      request,
      retryable: false,
      cause: err,
    });
  }
  // Node runs without WebAssembly (`--jitless`, `--noexpose-wasm`): undici's HTTP parser, llhttp, is WebAssembly, so
  // no answer can be read. Neither the registry nor the network is at fault, and trying again changes nothing.
  if ((globalThis as { WebAssembly?: unknown }).WebAssembly === undefined && err instanceof ReferenceError) {
    return new UnsupportedError(
      `${prefix}this Node.js runs without WebAssembly, which the HTTP client's parser (llhttp) needs ${where}`,
      {
        code: "NO_WEBASSEMBLY",
        request,
        retryable: false,
        cause: err,
        hint: "run node without --jitless or --noexpose-wasm (look in NODE_OPTIONS)",
      },
    );
  }
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return new TimeoutError(`${prefix}connect timeout${ms(req.timeouts?.connect)} to ${host} ${where}`, {
        request,
        retryable: true,
        cause: err,
      });
    // Idle timeouts are not retryable: the user said how long a silence may last, and it lasted that long.
    case "UND_ERR_HEADERS_TIMEOUT":
      return new TimeoutError(
        req.sending
          ? `${prefix}idle timeout${ms(req.timeouts?.idle)}: ${host} stopped reading the request body ${where}`
          : `${prefix}idle timeout${ms(req.timeouts?.idle)} waiting for response headers from ${host} ${where}`,
        { request, cause: err, hint: req.sending ? IDLE_HINT : HEADERS_HINT },
      );
    case "UND_ERR_BODY_TIMEOUT":
      return new TimeoutError(
        `${prefix}idle timeout${ms(req.timeouts?.idle)}: ${host} stopped sending ${where}`,
        {
          request,
          cause: err,
          hint: IDLE_HINT,
        },
      );
  }
  if (code && CERT_CODES.has(code)) {
    return new TlsError(`${prefix}TLS error talking to ${talkingTo.name}: ${messageOf(err)} ${where}`, {
      request,
      cause: err,
      ...(req.secrets ? { secrets: req.secrets } : {}),
      hint: talkingTo.chosen
        ? `${host} is a host the registry chose, not one you named: if you trust it, add its CA with --ca-file (--tls-skip-verify would stop checking every host, this one included)`
        : "trust the registry's CA with --ca-file, or use --tls-skip-verify",
    });
  }
  // https to a port that speaks plain http: OpenSSL reads "HTTP/1.1 400" as a TLS record of a wrong version.
  if (
    code === "EPROTO" ||
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" ||
    /wrong version number|packet length too long/i.test(messageOf(err))
  ) {
    return new TlsError(`${prefix}TLS handshake with ${talkingTo.name} failed: ${messageOf(err)} ${where}`, {
      request,
      cause: err,
      ...(req.secrets ? { secrets: req.secrets } : {}),
      hint: schemeHint(url, req, PLAIN_HTTP_HINT),
    });
  }
  // Headers larger than undici reads (Node's --max-http-header-size, 16 KiB by default): the host answered, with
  // something no client should have to read. Its fault, not the network's (exit 1, not 5), and sending again gets
  // the same answer.
  if (code === "UND_ERR_HEADERS_OVERFLOW") {
    return new ProtocolError(
      `${prefix}${talkingTo.name} sent response headers larger than ${maxHeaderSize} bytes, more than Regatta reads ${where}`,
      {
        code: "HEADERS_TOO_LARGE",
        request,
        retryable: false,
        cause: err,
        hint: "the server, or a proxy in front of it, answers with oversized headers: its operator has to fix them",
      },
    );
  }
  // An answer whose headers break HTTP (a control character in a value): the registry was reached, and is at fault.
  if (name === "HTTPParserError" && !code?.startsWith("HPE_")) {
    return new ProtocolError(
      `${prefix}${talkingTo.name} sent an invalid HTTP response: ${messageOf(err)} ${where}`,
      { request, cause: err, ...(req.secrets ? { secrets: req.secrets } : {}) },
    );
  }
  // http to a port that speaks TLS: the answer does not parse as HTTP.
  if (code?.startsWith("HPE_")) {
    return new ProtocolError(`${prefix}${talkingTo.name} sent an invalid HTTP response ${where}`, {
      request,
      cause: err,
      ...(req.secrets ? { secrets: req.secrets } : {}),
      hint: schemeHint(url, req, TLS_PORT_HINTS.garbled),
    });
  }
  const known = code ? NETWORK[code] : undefined;
  const text = known?.text ?? messageOf(err);
  // A TLS-only server hangs up on a plain-http request without answering.
  const hint =
    code === "UND_ERR_SOCKET" && url.protocol === "http:" && !req.answered
      ? schemeHint(url, req, TLS_PORT_HINTS.hungUp)
      : undefined;
  return new RegistryUnreachableError(`${prefix}cannot reach ${talkingTo.name}: ${text} ${where}`, {
    request,
    retryable: known?.retryable ?? false,
    cause: err,
    ...(req.secrets ? { secrets: req.secrets } : {}),
    ...(hint ? { hint } : {}),
  });
}

/**
 * A proxy that answered CONNECT with another status than 200: 407 is the proxy's own authentication (exit 4, the
 * proxy's credentials, not the registry's); anything else leaves the registry unreached through it (exit 5).
 */
function proxyRefusal(
  status: number,
  host: string,
  prefix: string,
  where: string,
  request: { method: string; url: string },
  err: unknown,
  source?: string,
): RegattaError {
  // The setting the proxy came from, the one to check; else every one that could have named it.
  const setting = source ?? "--proxy, or HTTPS_PROXY/HTTP_PROXY";
  const said =
    `${prefix}the proxy refused to connect to ${host}: ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd();
  if (status === 407) {
    return new AuthenticationError(`${said} ${where}`, {
      code: "PROXY_AUTHENTICATION",
      status,
      request,
      cause: err,
      // Worded without a user:password@ example: the scrubber would show that as REDACTED.
      hint: `the proxy wants credentials of its own, or refused the ones in its URL: give or check the user and password in the proxy URL (${setting})`,
    });
  }
  return new RegistryUnreachableError(`${said} ${where}`, {
    code: "PROXY_REFUSED",
    status,
    request,
    retryable: status === 502 || status === 503 || status === 504,
    cause: err,
    hint: `check ${source ? `${source} (or NO_PROXY)` : "--proxy (or HTTPS_PROXY/HTTP_PROXY/NO_PROXY)"}: the proxy may not allow this host or port`,
  });
}

/**
 * The proxy itself could not be reached (refused, unresolvable, timed out, a TLS handshake with an https proxy that
 * failed): the registry was never asked, so the error names the proxy and the setting it came from, and the advice is
 * about that setting (never --insecure, which would stop checking the registry to "fix" a proxy URL).
 */
function proxyUnreachable(
  err: ProxyConnectFailure,
  prefix: string,
  where: string,
  request: { method: string; url: string },
  req: FailedRequest,
): RegattaError {
  const code = errorCode(err.cause);
  const text = messageOf(err.cause);
  const secrets = req.secrets ? { secrets: req.secrets } : {};
  const plainHttp = /wrong version number|packet length too long/i.test(text);
  if (
    plainHttp ||
    code === "EPROTO" ||
    code?.startsWith("ERR_SSL") ||
    code?.startsWith("ERR_TLS") ||
    (code && CERT_CODES.has(code))
  ) {
    return new TlsError(`${prefix}TLS handshake with the proxy ${err.proxy} failed: ${text} ${where}`, {
      code: "PROXY_UNREACHABLE",
      request,
      cause: err,
      ...secrets,
      hint: plainHttp
        ? "the proxy URL says https://, but the proxy seems to speak plain http: write http:// in the proxy setting"
        : `the proxy's certificate is not trusted: check the proxy URL (${err.source})`,
    });
  }
  const known = code ? NETWORK[code] : undefined;
  return new RegistryUnreachableError(
    `${prefix}cannot reach the proxy ${err.proxy}: ${known?.text ?? text} ${where}`,
    {
      code: "PROXY_UNREACHABLE",
      request,
      retryable: known?.retryable ?? false,
      cause: err,
      ...secrets,
      hint: `check the proxy setting (${err.source}, or NO_PROXY for hosts to reach directly): is a proxy running at that address?`,
    },
  );
}

/**
 * The hint for a scheme that does not fit the port: the user's flag when the request went to the registry's own
 * origin; the registry's own address settings when it went where the registry sent it (an https upload Location on
 * an http registry: --insecure is already there and cannot help).
 */
function schemeHint(url: URL, req: FailedRequest, own: string): string {
  // A token realm is the registry's choice (its WWW-Authenticate challenge): --insecure does not change it (QA auth7 #5).
  if (req.context === TOKEN_REQUEST && (req.baseOrigin === undefined || url.origin === req.baseOrigin)) {
    return `${url.protocol}//${url.host} is the token realm the registry named in its challenge, in a scheme that port does not speak: the registry's token service is misconfigured (its auth.token.realm); --insecure does not change the realm`;
  }
  if (req.baseOrigin === undefined || url.origin === req.baseOrigin) return own;
  return `${url.protocol}//${url.host} is where ${req.registry} sent this request (a redirect or an upload Location), in a scheme that port does not speak: the registry advertises a wrong address (distribution's http.host, or its proxy's X-Forwarded-Proto)`;
}

function ms(value: number | undefined): string {
  return value ? ` (${value} ms)` : "";
}
