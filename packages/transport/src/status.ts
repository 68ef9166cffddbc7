/**
 * The status concern: any status the caller did not expect (default: any 2xx) becomes a typed error built by
 * `errorFromResponse` from the first 64 KiB of the body, so 401 → AuthenticationError, 403 → AuthorizationError,
 * 404 → NotFoundError, 429 → TooManyRequestsError, with the registry's `errors[]` and the redacted request.
 * It sits above auth and retry so that only the final answer is judged. The error is scrubbed against the client's
 * secrets as it is built, and carries who asked for what (`error.access`) for the hint.
 */
import {
  type ErrorResponse,
  elsewhereHint,
  errorFromResponse,
  notRegistryError,
  type SecretSet,
} from "@regatta/errors";
import { readErrorBody } from "./body.js";
import type { Exchange, Middleware, RawResponse } from "./exchange.js";
import { httpsPortError, isHttpsPortAnswer } from "./https-port.js";
import { noteQuotaHeaders } from "./response.js";
import { noteRetryAfter, parseRetryAfter } from "./retry.js";
import { sentElsewhere } from "./sent-elsewhere.js";

/** True when `status` is a success for this request. */
export function isExpected(status: number, expect: readonly number[] | undefined): boolean {
  return expect ? expect.includes(status) : status >= 200 && status < 300;
}

/**
 * Whether an answer shows that its host is a registry: the Distribution API's version header, or a success that is
 * not a web page. Once a registry has answered so, a later odd answer (a reverse proxy's own HTML 413 in front of it,
 * say) is never taken for a host that is not one.
 */
export function answersAsRegistry(response: { status: number; headers: Record<string, string> }): boolean {
  if (response.headers["docker-distribution-api-version"]) return true;
  const html = /^\s*(?:text\/html|application\/xhtml\+xml)\b/i.test(response.headers["content-type"] ?? "");
  return response.status >= 200 && response.status < 300 && !html;
}

/**
 * The status concern. `registries` holds the registries that have answered as registries ({@link answersAsRegistry},
 * or the ping); an error answer from the origin of one that has not is asked whether the host is a registry at all
 * (issue 12; @regatta/errors' not-a-registry.ts), so a web server says so instead of "404 Not Found".
 */
export function statusErrors(secrets?: SecretSet, registries: Set<string> = new Set()): Middleware {
  return (next) => async (exchange) => {
    const response = await next(exchange);
    if (answersAsRegistry(response)) registries.add(exchange.registry);
    if (isExpected(response.status, exchange.expect)) return response;
    const body = await readErrorBody(response.body, response.headers["content-type"]);
    // An https port answering plain http: the transport switches the registry to https when it may (https-port.ts).
    if (isHttpsPortAnswer({ status: response.status, url: response.url, body })) {
      throw httpsPortError({
        method: exchange.method,
        url: response.url,
        ...(exchange.context ? { context: exchange.context } : {}),
      });
    }
    // Only the registry's own origin is judged: a storage host a blob was redirected to is not the registry named.
    const foreign =
      !registries.has(exchange.registry) && new URL(response.url).origin === exchange.baseOrigin
        ? notRegistryError({
            method: exchange.method,
            url: response.url,
            status: response.status,
            headers: response.headers,
            body,
            ...(exchange.context ? { context: exchange.context } : {}),
          })
        : undefined;
    if (foreign) throw foreign;
    const facts = answerFacts(response);
    const error = errorFromResponse({
      method: exchange.method,
      url: response.url,
      status: response.status,
      body,
      ...facts,
      ...(exchange.context ? { context: exchange.context } : {}),
      ...(secrets ? { secrets } : {}),
      ...whoAnswered(exchange, response),
    });
    // Kept for whoever recovers from this answer on its own (an upload after a 429 or 503 on a PATCH).
    noteRetryAfter(error, facts.retryAfterMs);
    noteQuotaHeaders(error, response.headers);
    throw error;
  };
}

/**
 * What an error answer's headers tell `errorFromResponse` about its body and its status, for every request and the
 * ping alike: the `Content-Type` (a `text/plain` body is shown after the status, scrubbed, escaped and capped; HTML
 * and JSON of another shape are not), the `WWW-Authenticate` challenge, and how long the registry asked to wait
 * (`Retry-After`), which a person needs when the retries gave up or would not wait that long.
 */
export function answerFacts(response: {
  headers: Record<string, string>;
}): Pick<ErrorResponse, "contentType" | "challenge" | "retryAfterMs"> {
  const { headers } = response;
  const retryAfter = parseRetryAfter(headers["retry-after"], Date.now());
  return {
    ...(headers["content-type"] ? { contentType: headers["content-type"] } : {}),
    ...(headers["www-authenticate"] ? { challenge: headers["www-authenticate"] } : {}),
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  };
}

/**
 * Who the answer speaks for, as `errorFromResponse` takes it. The registry's own origin: who asked for what, for the
 * hint of a 401/403 (`auth`). Anywhere the registry sent the request (an upload Location, a redirect): none of its
 * credentials went there, so no hint may say they were refused or should be passed; a 401/403 names that host.
 */
function whoAnswered(exchange: Exchange, response: RawResponse): Pick<ErrorResponse, "auth" | "hint"> {
  const answered = new URL(response.url);
  if (answered.origin === exchange.baseOrigin) {
    return {
      auth: {
        registry: exchange.registry,
        scopes: exchange.scopes,
        credentials: response.sent?.credentials ?? "none",
        ...(response.sent?.username ? { username: response.sent.username } : {}),
        // A 401 that challenges is being asked now: only an answer without a challenge was never asked for any.
        ...(response.sent?.unchallenged && !response.headers["www-authenticate"]
          ? { unchallenged: true }
          : {}),
        ...(response.sent?.withheldAfter ? { withheldAfter: response.sent.withheldAfter } : {}),
      },
    };
  }
  if (response.status !== 401 && response.status !== 403) return {};
  const { there, sender } = sentElsewhere(answered, exchange.baseOrigin, exchange.registry);
  return { hint: elsewhereHint(there, sender) };
}
