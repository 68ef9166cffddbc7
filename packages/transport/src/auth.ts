/**
 * Authentication. Before each request the authenticator is asked for an `Authorization` header for the request's
 * scopes; on a 401 it is handed the `WWW-Authenticate` challenge and the refused header, and the request is sent
 * ONCE more with what it returns (docker's and go-containerregistry's behaviour). A second 401 goes up to the status
 * concern and becomes an AuthenticationError. A 403 is never retried: the credentials were understood and refused.
 *
 * Credentials are only attached to the registry's own origin, never to an upload Location or redirect elsewhere,
 * nor to a request whose caller omits them (`credentials: "omit"`: an upload Location back on the registry after a
 * hop elsewhere).
 * A body that cannot be replayed (a one-shot stream) could not survive the 401 dance, so the registry is pinged first
 * (once per registry) to learn its challenge, and the authenticator can then answer with a token up front
 * (regclient's "seed the scopes before an upload" habit).
 */
import type { AuthDescription, Authenticator } from "@regatta/auth";
import { AuthenticationError, redactUrl } from "@regatta/errors";
import { bufferedBody, readErrorBody } from "./body.js";
import type { Exchange, Middleware, RawResponse } from "./exchange.js";
import { sentElsewhere } from "./sent-elsewhere.js";

/** What the auth concern needs: the authenticator (settable after construction) and the ping. */
export interface AuthConfig {
  authenticator: () => Authenticator | undefined;
  ping: (registry: string, signal?: AbortSignal) => Promise<unknown>;
}

/** The auth concern. */
export function authenticating(config: AuthConfig): Middleware {
  return (next) => async (exchange) => {
    const authenticator = config.authenticator();
    // Callers may send their own header; credentials never leave the registry's origin, nor go back to it in a
    // chain that left it once (credential-chain.ts).
    if (
      !authenticator ||
      exchange.headers.authorization ||
      exchange.credentials === "omit" ||
      exchange.url.origin !== exchange.baseOrigin
    ) {
      return sent(await next(exchange), exchange.headers.authorization, undefined, exchange.withheldAfter);
    }
    const { registry, scopes, signal } = exchange;
    if (!exchange.body.replayable) await config.ping(registry, signal);
    const previous = await authenticator.authorization({ registry, scopes, ...(signal ? { signal } : {}) });
    const first = previous
      ? { ...exchange, headers: { ...exchange.headers, authorization: previous } }
      : exchange;
    const who = () => authenticator.describe(registry);
    const response = sent(await next(first), previous, who());
    const wwwAuthenticate = response.headers["www-authenticate"];
    if (response.status !== 401 || !wwwAuthenticate) return response;
    // A challenge is the registry's only when its own origin sent it. A redirect's target (storage, a CDN, or a
    // hostile host) that answers 401 would otherwise choose the realm the registry's credentials go to.
    if (new URL(response.url).origin !== exchange.baseOrigin)
      throw await foreignChallenge(exchange, response);
    // A redirect chain that left the origin dropped the credentials for good: a new token would be dropped too.
    if (response.sent?.withheldAfter) return response;
    if (!exchange.body.replayable) {
      authenticator.learn(registry, wwwAuthenticate);
      return response;
    }
    // Read (capped) before asking for a new token, so the status concern can still report this answer.
    const text = await readErrorBody(response.body, response.headers["content-type"]);
    const retry = await authenticator.challenge({
      registry,
      scopes,
      wwwAuthenticate,
      ...(previous ? { previous } : {}),
      ...(signal ? { signal } : {}),
    });
    if (!retry || retry === previous) return { ...response, body: bufferedBody(text) };
    return sent(
      await next({ ...exchange, headers: { ...exchange.headers, authorization: retry } }),
      retry,
      who(),
    );
  };
}

/**
 * Notes on a response what went with its request (the scheme only, never the value) for the error's hint. A Bearer
 * token the authenticator fetched without any credential is counted as nothing sent: the token server gives it to
 * anybody, and the hint must say how to log in rather than blame credentials that were never there.
 */
function sent(
  response: RawResponse,
  authorization: string | undefined,
  who?: AuthDescription,
  omittedAfter?: string,
): RawResponse {
  // Withheld by the origin rules (credential-chain.ts): an `omit` request, or a redirect chain that left the origin,
  // whose last hop went without the header it started with.
  const withheldAfter = omittedAfter ?? response.withheldAfter;
  if (withheldAfter) return { ...response, sent: { credentials: "none", withheldAfter } };
  // Stryker disable next-line OptionalChaining: split with a limit of 1 always returns one element, so [0] is there.
  const scheme = authorization?.split(" ", 1)[0]?.toLowerCase();
  const credentials =
    scheme === "basic" ? "basic" : scheme === "bearer" && !who?.anonymous ? "bearer" : "none";
  const username = who?.username;
  // No challenge learned (scheme "none"): nothing was sent because the registry never asked, whatever is held.
  const unchallenged = credentials === "none" && who?.scheme === "none";
  return {
    ...response,
    sent: {
      credentials,
      ...(username && credentials !== "none" ? { username } : {}),
      ...(unchallenged ? { unchallenged } : {}),
    },
  };
}

/** The error for a 401 from an origin the registry redirected to: no credentials went there, and none will. */
async function foreignChallenge(exchange: Exchange, response: RawResponse): Promise<AuthenticationError> {
  await readErrorBody(response.body);
  return foreignChallengeError({ ...exchange, url: response.url });
}

/** {@link foreignChallenge}'s error, for the ping too: who redirected, who challenged, that nothing went there. */
export function foreignChallengeError(at: {
  registry: string;
  /** The registry's own origin, to tell a scheme switch on its host from another host. */
  baseOrigin?: string;
  method: string;
  url: string;
  context?: string | undefined;
}): AuthenticationError {
  const url = new URL(redactUrl(at.url));
  const context = at.context ? `${at.context}: ` : "";
  const { there, sender } = sentElsewhere(url, at.baseOrigin, at.registry);
  return new AuthenticationError(
    `${context}${there}, where ${sender} redirected the request, asks for credentials (401); the registry's are never sent to another origin`,
    {
      code: "FOREIGN_CHALLENGE",
      status: 401,
      request: { method: at.method, url: url.href },
      hint: `the redirect comes from ${at.registry}: its storage or proxy is misconfigured, or it is not to be trusted`,
    },
  );
}
