import {
  AuthenticationError,
  accessHint,
  type ErrorResponse,
  errorFromResponse,
  foreignText,
  type RegistryError,
  redactUrl,
  type SecretSet,
  scrubText,
} from "@regatta/errors";
import { accessFacts } from "./access-facts.js";
import { LoopbackTrust } from "./address-policy.js";
import { basicHeader } from "./basic-header.js";
import type { Challenge } from "./parse-www-authenticate.js";
import { formatScope } from "./scope.js";
import { isAnonymous } from "./static-credentials.js";
import { parseTokenResponse, type Token, tokenAnswerSecrets } from "./token-response.js";
import type { AuthHttpRequest, AuthHttpResponse, Credential, Scope, Send } from "./types.js";
import { forbiddenRealm, refuseLoopbackRealm, validateRealm } from "./validate-realm.js";

/** What {@link TokenFetch} needs from the authenticator's options, defaults already applied. */
export interface TokenFetchOptions {
  send: Send;
  now: () => number;
  oauth: "auto" | "always" | "never";
  clientId: string;
  log: (line: string) => void;
  allowHttpRealm: (registry: string) => boolean;
  secrets: SecretSet;
  /** Decides whether a registry is on this machine, for a loopback realm; default: resolved with `dns.lookup`. */
  loopback?: LoopbackTrust;
}

/**
 * One token request to a challenge's realm: the OAuth2 POST flow (https://distribution.github.io/distribution/spec/auth/oauth/)
 * with an identity (refresh) token, or with a password when asked to, falling back to the GET flow
 * (https://distribution.github.io/distribution/spec/auth/token/) when the server has no POST; the realm validated
 * first, the answer parsed by {@link parseTokenResponse}, and a refusal turned into an error that names the access.
 */
export class TokenFetch {
  readonly #o: TokenFetchOptions;
  /** Which registries are on this machine (and so may name a loopback realm), each resolved once. */
  readonly #loopback: LoopbackTrust;

  constructor(options: TokenFetchOptions) {
    this.#o = options;
    this.#loopback = options.loopback ?? new LoopbackTrust();
  }

  /** Asks `challenge`'s realm for a token for `scopes` on behalf of `registry`. */
  async fetch(
    registry: string,
    challenge: Challenge,
    scopes: Scope[],
    credential: Credential | undefined,
  ): Promise<Token> {
    // Plain http only where the registry may speak it, and only to the registry's own host (its token server on
    // another port) or a host that may speak it too (loopback, or marked insecure): a loopback registry naming
    // http://192.0.2.2/token must not send the password across the network in clear.
    const allow = this.#o.allowHttpRealm;
    const realm = validateRealm(
      challenge.params.realm!,
      registry,
      (realmHost) => allow(registry) && (hostnameOf(realmHost) === hostnameOf(registry) || allow(realmHost)),
    );
    await refuseLoopbackRealm(realm, registry, this.#loopback);
    const service = challenge.params.service;
    const hasPassword = !!(credential?.username && credential.password);
    const oauth = this.#o.oauth;
    const useOauth =
      oauth !== "never" && (!!credential?.identityToken || (oauth === "always" && hasPassword));
    if (useOauth) {
      const form = new URLSearchParams();
      // Stryker disable next-line OptionalChaining: useOauth is only true with a credential.
      if (credential?.identityToken) {
        form.set("grant_type", "refresh_token");
        form.set("refresh_token", credential.identityToken);
      } else {
        form.set("grant_type", "password");
        form.set("username", credential!.username!);
        form.set("password", credential!.password!);
      }
      if (service) form.set("service", service);
      form.set("client_id", this.#o.clientId);
      if (scopes.length) form.set("scope", scopes.map(formatScope).join(" "));
      const request: AuthHttpRequest = {
        method: "POST",
        url: realm.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      };
      const response = await this.#exchange(
        request,
        `grant_type=${form.get("grant_type")}`,
        scopes,
        registry,
      );
      // Not every token server speaks OAuth2: "If the request to the endpoint returns 404 using the HTTP POST
      // method, refer to Token Documentation for using the HTTP GET method" (…/spec/auth/oauth/); some answer 405.
      if (response.status !== 404 && response.status !== 405) {
        return this.#tokenFrom(response, request, registry, scopes, credential);
      }
      this.#o.log(`auth: ${registry} token endpoint has no OAuth2 POST (${response.status}), using GET`);
    }

    // https://distribution.github.io/distribution/spec/auth/token/#requesting-a-token: each scope its own parameter.
    const url = new URL(realm);
    if (service) url.searchParams.set("service", service);
    for (const scope of scopes) url.searchParams.append("scope", formatScope(scope));
    const headers: Record<string, string> = { accept: "application/json" };
    if (hasPassword) headers.authorization = basicHeader(credential)!;
    const request: AuthHttpRequest = { method: "GET", url: url.toString(), headers };
    const response = await this.#exchange(request, hasPassword ? "basic" : "anonymous", scopes, registry);
    return this.#tokenFrom(response, request, registry, scopes, credential);
  }

  async #exchange(
    request: AuthHttpRequest,
    how: string,
    scopes: Scope[],
    registry: string,
  ): Promise<AuthHttpResponse> {
    const started = this.#o.now();
    let response: AuthHttpResponse;
    try {
      response = await this.#o.send(request);
    } catch (error) {
      throw refusedRealmName(error, request, registry) ?? error;
    }
    this.#o.log(
      `auth: ${request.method} ${redactUrl(request.url)} (${how}, ${scopes.length} scope${scopes.length === 1 ? "" : "s"}) -> ${response.status} in ${this.#o.now() - started} ms`,
    );
    return response;
  }

  #tokenFrom(
    response: AuthHttpResponse,
    request: AuthHttpRequest,
    registry: string,
    scopes: Scope[],
    credential: Credential | undefined,
  ): Token {
    if (response.status === 200) {
      const token = parseTokenResponse(response.body, request.url, this.#o.now());
      for (const secret of tokenAnswerSecrets(response.body)) this.#o.secrets.add(secret);
      this.#o.log(
        `auth: ${registry} token valid for ${Math.round((token.expiresAt - this.#o.now()) / 1000)} s`,
      );
      return token;
    }
    // A token server that echoes the request must not put a secret into the error: the set scrubs it as it is built.
    const context = `fetch token from ${redactUrl(request.url.split("?")[0]!)}`;
    const error: RegistryError = errorFromResponse({
      method: request.method,
      url: request.url,
      status: response.status,
      body: response.body,
      context,
      secrets: this.#o.secrets,
      ...whoAnswered(request, response, registry, scopes, credential),
    });
    if (response.status === 401 && isAnonymous(credential) && !redirectedAway(request, response)) {
      const access = accessFacts(registry, scopes, credential);
      throw new AuthenticationError(`${context}: registry ${registry} requires a username and password`, {
        status: 401,
        errors: error.errors,
        ...(error.request ? { request: error.request } : {}),
        access,
        hint: accessHint(access, 401),
      });
    }
    // An OAuth2 error answer (RFC 6749 §5.2: `invalid_grant` for an expired refresh token, `invalid_client`…) refuses
    // what was given, as a 401 does: an authentication failure (exit 4) with the server's reason, not "400 UNKNOWN".
    const refusal = oauthRefusal(response.body);
    if (
      refusal &&
      (response.status === 400 || response.status === 401) &&
      !redirectedAway(request, response)
    ) {
      const what = credential?.identityToken ? "the saved identity token" : "the credentials";
      const reason = refusal.description ? `: ${foreignText(refusal.description, this.#o.secrets)}` : "";
      const code = scrubText(refusal.error, this.#o.secrets, { shapes: false, fragments: false });
      throw new AuthenticationError(
        // "identity token (code…)": not "token: code", which reads as a token's value and is masked as one.
        `${context}: the token server refused ${what} (${code}${reason})`,
        {
          code: "TOKEN_REFUSED",
          status: response.status,
          ...(error.request ? { request: error.request } : {}),
          hint: `log in again: regatta login ${registry}`,
        },
      );
    }
    throw error;
  }
}

/** The `error` and `error_description` of an OAuth2 error answer (RFC 6749 §5.2), when the body is one. */
function oauthRefusal(body: string): { error: string; description?: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const { error, error_description: description } = (json ?? {}) as Record<string, unknown>;
  if (typeof error !== "string" || !/^[\x20-\x7e]{1,64}$/.test(error)) return undefined;
  return typeof description === "string" && description
    ? { error, description: description.slice(0, 200) }
    : { error };
}

/**
 * A realm given as a name that resolves to a forbidden address, refused by the transport when it connects
 * (`FORBIDDEN_ADDRESS`, address-policy.ts): the same `INVALID_REALM` as the address written out (validateRealm), so a
 * script sees one class for "the registry named a forbidden token realm". A token endpoint's redirect to such a
 * place stays the transport's refusal: the realm itself was not refused.
 */
function refusedRealmName(
  error: unknown,
  request: AuthHttpRequest,
  registry: string,
): AuthenticationError | undefined {
  const {
    code,
    request: failed,
    cause,
  } = error as { code?: unknown; request?: { url?: string }; cause?: unknown };
  if (code !== "FORBIDDEN_ADDRESS" || !failed?.url) return undefined;
  const realm = new URL(request.url);
  if (new URL(failed.url).origin !== realm.origin) return undefined;
  const reason = cause instanceof Error ? cause.message : String((error as Error).message);
  return forbiddenRealm(registry, reason, `${realm.origin}${realm.pathname}`, { cause: error });
}

/** `host[:port]` without its port (IPv6 kept in brackets), lower-cased. */
function hostnameOf(host: string): string {
  const bracket = host.startsWith("[") ? host.indexOf("]") : -1;
  return (bracket > 0 ? host.slice(0, bracket + 1) : host.split(":")[0]!).toLowerCase();
}

/** Whether the token endpoint's redirects took the request to another origin (which got no credentials). */
function redirectedAway(request: AuthHttpRequest, response: AuthHttpResponse): boolean {
  return response.url !== undefined && new URL(response.url).origin !== new URL(request.url).origin;
}

/**
 * Who a refusal speaks for, as the transport's status.ts decides it for registry answers. The realm's own origin:
 * who asked for what (`auth`, the facts behind a 401/403 hint). Another origin the realm redirected to: it got none
 * of the credentials (redirect.ts drops them), so no hint may say they were refused; a 401/403 names that host.
 */
function whoAnswered(
  request: AuthHttpRequest,
  response: AuthHttpResponse,
  registry: string,
  scopes: Scope[],
  credential: Credential | undefined,
): Pick<ErrorResponse, "auth" | "hint"> {
  if (!redirectedAway(request, response))
    return { auth: { ...accessFacts(registry, scopes, credential), scopes } };
  if (response.status !== 401 && response.status !== 403) return {};
  const realm = new URL(request.url).host;
  return {
    hint: `${new URL(response.url!).host} answered, where the token endpoint ${realm} redirected the request; it gets none of the credentials, so the token service of ${registry} is misconfigured or not to be trusted`,
  };
}
