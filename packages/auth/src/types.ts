import type { AuthTrace } from "./auth-trace.js";
import type { CredentialSource } from "./credential-source.js";

/**
 * The contract between @regatta/auth and whoever sends its HTTP requests (normally @regatta/transport).
 * Auth never imports a transport: it is handed a `send` function (the octokit pattern).
 */

/** A request auth wants sent: to a token realm, never to a registry. */
export interface AuthHttpRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** The answer, with its body already read (callers cap it at 64 KiB) and header names lower-cased. */
export interface AuthHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The URL that answered, when redirects were followed to it; default the request's. */
  url?: string;
}

export type Send = (request: AuthHttpRequest) => Promise<AuthHttpResponse>;

/** A token scope, `repository:library/alpine:pull,push` or `registry:catalog:*`. */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** What a credential source knows for one registry. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` in docker's config); used with the OAuth2 POST flow. */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken` in docker's config). */
  registryToken?: string;
}

/** A source of credentials keyed by registry name (`docker.io`, `ghcr.io`, `localhost:5000`). */
export interface CredentialProvider {
  /**
   * The credential for `registry`, or undefined when this source knows none. `repository` (added by auth, optional)
   * lets sources with per-repository entries, such as containers auth.json, pick the most specific one.
   */
  get(registry: string, repository?: string): Promise<Credential | undefined>;
}

export interface AuthorizeRequest {
  /** Registry name as in a reference: `docker.io`, `localhost:5000`. */
  registry: string;
  scopes: Scope[];
  signal?: AbortSignal;
}

/** How a registry is being authenticated to, for display (never carries the secret). */
export interface AuthDescription {
  registry: string;
  scheme: "none" | "basic" | "bearer" | "unknown";
  username?: string;
  /**
   * True when the lookup found no credential for the registry: a Bearer token sent then is one the token server
   * gives anybody, so a refusal is not of credentials (the hint says how to give some).
   */
  anonymous?: boolean;
  /**
   * Where the credential came from (a file and key, a helper, the client's options, none), once a request has looked
   * it up; never the secret.
   */
  source?: CredentialSource;
  realm?: string;
  service?: string;
}

/**
 * One per client. Knows each registry's challenge, the credentials, and a token cache keyed by
 * (registry, service, scope set); concurrent requests for the same key share one token request.
 */
export interface Authenticator {
  /** Records the challenge a registry answered on its `/v2/` ping (or any 401). */
  learn(registry: string, wwwAuthenticate: string): void;
  /**
   * The `Authorization` header value for a request needing `scopes`, or undefined for anonymous.
   * Fetches a token only when the registry's challenge is already known to be Bearer.
   */
  authorization(request: AuthorizeRequest): Promise<string | undefined>;
  /**
   * After a 401 answer: learns the challenge (including `insufficient_scope` and its scope), drops the refused
   * token from the cache, fetches a new one if it can and returns the header to retry with. Throws
   * AuthenticationError when nothing different can be tried.
   */
  challenge(
    request: AuthorizeRequest & { wwwAuthenticate: string; previous?: string },
  ): Promise<string | undefined>;
  describe(registry: string): AuthDescription;
  /**
   * Replays the authentication for `scopes` step by step, for `auth explain`: where the credential came from, a fresh
   * token request and its answer, and the token's decoded claims; never a secret. Optional: an authenticator that
   * cannot explain itself leaves it out.
   */
  explain?(request: AuthorizeRequest): Promise<AuthTrace>;
}
