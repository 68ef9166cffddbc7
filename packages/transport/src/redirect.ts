/**
 * Redirects. Registries answer blob GETs with a 307 to object storage (S3, GCS, a CDN) carrying a presigned URL.
 * Followed for GET and HEAD only (a redirected PUT or PATCH would need its body again, and the spec never asks for
 * it). Like browsers and undici, credentials are dropped as soon as the origin changes: the registry's token must
 * not reach the storage host, and a presigned URL rejects an extra `Authorization` anyway. The origin is the whole
 * (scheme, host, port) triple of RFC 6454: an https→http hop on the same host and port drops them too, or the token
 * would cross the network in clear text. Once dropped they stay dropped for the rest of the chain, even when it comes
 * back to the registry (credential-chain.ts, the rule's one home, which upload sessions follow too). Where the hop
 * may connect is not decided here: a target off the registries the caller named is a destination the server chose,
 * checked by address when it is connected to (dispatcher.ts, issue 10). The same holds for token requests
 * (Transport.authSend), so a token endpoint cannot bounce the Basic credentials elsewhere.
 */
import { ProtocolError, redactUrl, type SecretSet } from "@regatta/errors";
import { dumpBody } from "./body.js";
import { CredentialChain } from "./credential-chain.js";
import type { Middleware } from "./exchange.js";
import type { Logger } from "./log.js";
import { requestUrl } from "./request-url.js";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials and never cross an origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
/**
 * Headers that describe one hop (its host, its connection, its body's framing): never carried to the next, whose
 * own are written when it is sent (RFC 9110 §7.2, §7.6.1). A `host` left here by an HTTP agent would send the
 * object store a request for the registry.
 */
const HOP_HEADERS = [
  "host",
  "connection",
  "proxy-connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
];

/**
 * Follows up to `maxRedirects` hops of a GET or HEAD. Each Location's masked values join `secrets` before the hop
 * goes out (request-url.ts), so the storage host's own error quoting its presigned URL is scrubbed.
 */
export function redirecting(maxRedirects: number, secrets: SecretSet, logger?: Logger): Middleware {
  return (next) => async (exchange) => {
    const method = exchange.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD") return next(exchange);
    let current = exchange;
    const chain = new CredentialChain(exchange.url);
    for (let hops = 0; ; hops++) {
      const response = await next(current);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.status) || !location) {
        // The hops after the chain left the origin went without credentials: the answer says where it left.
        return chain.leftAt ? { ...response, withheldAfter: chain.leftAt } : response;
      }
      await dumpBody(response.body);
      const request = { method, url: redactUrl(current.url) };
      if (hops >= maxRedirects) {
        throw new ProtocolError(`too many redirects (more than ${maxRedirects}) (${method} ${request.url})`, {
          request,
        });
      }
      let quoted: URL;
      try {
        quoted = new URL(location, current.url);
      } catch {
        throw new ProtocolError(`invalid redirect Location from ${request.url}`, { request });
      }
      const target = requestUrl(quoted, secrets);
      if (target.protocol !== "http:" && target.protocol !== "https:") {
        throw new ProtocolError(`refusing redirect to a ${target.protocol} URL (${method} ${request.url})`, {
          request,
        });
      }
      const headers = { ...current.headers };
      for (const name of Object.keys(headers))
        if (HOP_HEADERS.includes(name.toLowerCase())) delete headers[name];
      if (!chain.follow(target)) for (const name of CREDENTIAL_HEADERS) delete headers[name];
      // The Location as the server sent it, fragment masked; the hop's own line shows what goes out, without one.
      logger?.(`~ redirect ${response.status} to ${redactUrl(quoted)}`);
      current = { ...current, url: target, headers };
    }
  };
}
