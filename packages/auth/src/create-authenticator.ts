import {
  AbortError,
  AuthenticationError,
  accessHint,
  errorFromResponse,
  ProtocolError,
  type RegistryError,
  redactUrl,
  SecretSet,
  scrubText,
} from "@regatta/errors";
import { accessFacts } from "./access-facts.js";
import { type Challenge, parseWwwAuthenticate } from "./parse-www-authenticate.js";
import { isLoopbackHost, normalizeRegistry } from "./registry-host.js";
import { formatScope, mergeScopes, parseScope, scopeKey, scopesCover } from "./scope.js";
import { isAnonymous } from "./static-credentials.js";
import { parseTokenResponse, type Token } from "./token-response.js";
import type {
  AuthDescription,
  Authenticator,
  AuthHttpRequest,
  AuthHttpResponse,
  AuthorizeRequest,
  Credential,
  CredentialProvider,
  Scope,
  Send,
} from "./types.js";
import { validateRealm } from "./validate-realm.js";

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** Where credentials come from; default none (anonymous everywhere). */
  credentials?: CredentialProvider;
  /** Sends a request to a token realm (never to a registry). */
  send: Send;
  /** The clock, epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /**
   * When to use the OAuth2 POST token flow (https://distribution.github.io/distribution/spec/auth/oauth/):
   * `auto` (default) only with an identity token, as docker does; `always` also with a username and password
   * (`grant_type=password`); `never` always uses the GET flow. A POST answered 404 or 405 falls back to GET.
   */
  oauth?: "auto" | "always" | "never";
  /** `client_id` of OAuth2 requests; default `regatta`. */
  clientId?: string;
  /** Receives one line per challenge learned and per token request; never carries a secret. */
  log?: (line: string) => void;
  /**
   * Whether a plain-http token realm is acceptable for `registry`. Default: only for loopback registries
   * (`localhost`, `127.0.0.0/8`, `::1`), where a plain-http registry is normal. Transport should pass its own
   * "insecure registry" setting here.
   */
  allowHttpRealm?: (registry: string) => boolean;
  /** Stop using a token this long before it expires; default 10 s. */
  refreshSkewMs?: number;
  /**
   * The client's secret registry (normally `transport.secrets`): the authenticator adds every password, Basic value,
   * identity and registry token it looks up and every token it obtains, so errors and logs built from a server's
   * answer are scrubbed of them (issue 10, item 3). Default: a set of its own.
   */
  secrets?: SecretSet;
}

interface RegistryState {
  scheme: AuthDescription["scheme"];
  challenge?: Challenge;
  username?: string;
}

interface CacheEntry {
  scopes: Scope[];
  token: Token;
}

interface Bucket {
  cache: Map<string, CacheEntry>;
  inflight: Map<string, { scopes: Scope[]; promise: Promise<Token> }>;
}

const DEFAULT_SKEW_MS = 10_000;

/**
 * Creates the {@link Authenticator} for one client: it remembers each registry's challenge, resolves credentials
 * once per registry and repository, and exchanges them for Bearer tokens following Docker's token spec
 * (https://distribution.github.io/distribution/spec/auth/token/). Tokens are cached by (registry, realm, service,
 * scope set); concurrent requests for the same scopes share one token request.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  return new TokenAuthenticator(options);
}

class TokenAuthenticator implements Authenticator {
  readonly #send: Send;
  readonly #credentials: CredentialProvider | undefined;
  readonly #now: () => number;
  readonly #oauth: "auto" | "always" | "never";
  readonly #clientId: string;
  readonly #log: (line: string) => void;
  readonly #allowHttp: (registry: string) => boolean;
  readonly #skew: number;
  readonly #secrets: SecretSet;
  readonly #states = new Map<string, RegistryState>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #lookups = new Map<string, Promise<Credential | undefined>>();

  constructor(options: AuthenticatorOptions) {
    this.#send = options.send;
    this.#credentials = options.credentials;
    this.#now = options.now ?? Date.now;
    // Stryker disable next-line StringLiteral: any value but "never" and "always" behaves as "auto".
    this.#oauth = options.oauth ?? "auto";
    this.#clientId = options.clientId ?? "regatta";
    this.#secrets = options.secrets ?? new SecretSet();
    const log = options.log;
    this.#log = log ? (line) => log(scrubText(line, this.#secrets)) : () => {};
    this.#allowHttp = options.allowHttpRealm ?? isLoopbackHost;
    this.#skew = options.refreshSkewMs ?? DEFAULT_SKEW_MS;
  }

  learn(registry: string, wwwAuthenticate: string): void {
    this.#learn(normalizeRegistry(registry), parseWwwAuthenticate(wwwAuthenticate));
  }

  async authorization(request: AuthorizeRequest): Promise<string | undefined> {
    const registry = normalizeRegistry(request.registry);
    const state = this.#states.get(registry);
    // Nothing learned yet: the first request goes anonymous and its 401 (or the /v2/ ping) teaches the challenge.
    if (!state?.challenge) return undefined;
    const credential = await this.#credential(registry, request.scopes);
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    if (state.scheme === "basic") return basicHeader(credential);
    if (state.scheme !== "bearer") return undefined;
    const token = await this.#token(registry, state.challenge, request.scopes, credential, request.signal);
    return `Bearer ${token.token}`;
  }

  async challenge(
    request: AuthorizeRequest & { wwwAuthenticate: string; previous?: string },
  ): Promise<string | undefined> {
    const registry = normalizeRegistry(request.registry);
    const state = this.#learn(registry, parseWwwAuthenticate(request.wwwAuthenticate));
    const challenge = state.challenge!;
    const credential = await this.#credential(registry, request.scopes);
    const previous = request.previous;

    if (credential?.registryToken) {
      const header = `Bearer ${credential.registryToken}`;
      if (header === previous) throw refused(registry, "the registry token", request.scopes, credential);
      return header;
    }

    if (state.scheme === "basic") {
      const header = basicHeader(credential);
      if (!header) {
        const access = accessFacts(registry, request.scopes, credential);
        throw new AuthenticationError(`registry ${registry} requires a username and password`, {
          status: 401,
          access,
          hint: accessHint(access, 401),
        });
      }
      if (header === previous)
        throw refused(registry, "the username and password", request.scopes, credential);
      return header;
    }

    if (state.scheme !== "bearer") {
      throw new AuthenticationError(
        `registry ${registry} asks for the unsupported authentication scheme "${challenge.scheme}"`,
        { status: 401 },
      );
    }

    // insufficient_scope (RFC 6750 §3.1) names the scope the request needed; ask for it first, with ours.
    const scopes = mergeScopes(challengeScopes(challenge), request.scopes);
    if (previous?.startsWith("Bearer ")) this.#forget(registry, previous.slice("Bearer ".length));
    const token = await this.#token(registry, challenge, scopes, credential, request.signal);
    const header = `Bearer ${token.token}`;
    if (header === previous)
      throw refused(
        registry,
        `the token for ${scopes.map(formatScope).join(" ") || "(no scope)"}`,
        request.scopes,
        credential,
      );
    return header;
  }

  describe(registry: string): AuthDescription {
    const name = normalizeRegistry(registry);
    const state = this.#states.get(name);
    const description: AuthDescription = { registry: name, scheme: state?.scheme ?? "none" };
    if (state?.username) description.username = state.username;
    // Stryker disable next-line OptionalChaining: a registry's state is only recorded with its challenge.
    const realm = state?.challenge?.params.realm;
    if (realm) description.realm = redactUrl(realm);
    // Stryker disable next-line OptionalChaining: a registry's state is only recorded with its challenge.
    const service = state?.challenge?.params.service;
    if (service) description.service = service;
    return description;
  }

  /** Records a registry's challenges, preferring Bearer (with a realm) over Basic over anything else. */
  #learn(registry: string, challenges: Challenge[]): RegistryState {
    const chosen =
      challenges.find((c) => c.scheme === "bearer" && c.params.realm) ??
      challenges.find((c) => c.scheme === "basic") ??
      challenges.find((c) => c.scheme === "bearer") ??
      challenges[0]!;
    if (chosen.scheme === "bearer" && !chosen.params.realm) {
      throw new ProtocolError(`the Bearer challenge of registry ${registry} has no realm`);
    }
    // Stryker disable next-line ObjectLiteral,StringLiteral: both fields are set on the next two lines.
    const state = this.#states.get(registry) ?? { scheme: "none" };
    state.challenge = chosen;
    state.scheme = chosen.scheme === "bearer" ? "bearer" : chosen.scheme === "basic" ? "basic" : "unknown";
    this.#states.set(registry, state);
    const where = chosen.params.realm ? ` realm=${redactUrl(chosen.params.realm)}` : "";
    const service = chosen.params.service ? ` service=${chosen.params.service}` : "";
    this.#log(`auth: ${registry} challenges with ${chosen.scheme}${where}${service}`);
    return state;
  }

  /** The credential for a registry and the first repository among the scopes, looked up once and remembered. */
  async #credential(registry: string, scopes: readonly Scope[]): Promise<Credential | undefined> {
    if (!this.#credentials) return undefined;
    const repository = scopes.find((s) => s.type === "repository")?.name;
    // Stryker disable next-line StringLiteral: any constant keys "no repository" alike; repository names are never empty.
    const key = `${registry}\u0000${repository ?? ""}`;
    let lookup = this.#lookups.get(key);
    if (!lookup) {
      lookup = this.#credentials.get(registry, repository);
      this.#lookups.set(key, lookup);
      // A failed lookup (a helper that crashed) is tried again next time rather than remembered.
      lookup.catch(() => this.#lookups.delete(key));
    }
    const credential = await lookup;
    if (credential) {
      this.#secrets.addBasic(credential.username, credential.password);
      this.#secrets.add(credential.identityToken).add(credential.registryToken);
    }
    // Stryker disable next-line ObjectLiteral,StringLiteral: unreachable, both callers learned the registry's challenge first.
    const state = this.#states.get(registry) ?? { scheme: "none" };
    if (credential?.username && !isAnonymous(credential)) state.username = credential.username;
    this.#states.set(registry, state);
    return credential;
  }

  #bucket(registry: string, challenge: Challenge): Bucket {
    // Stryker disable next-line StringLiteral: a Bearer challenge always has a realm; any constant keys the rest alike.
    const key = `${registry}\u0000${challenge.params.realm ?? ""}\u0000${challenge.params.service ?? ""}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { cache: new Map(), inflight: new Map() };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Drops a refused token from every cache of the registry. */
  #forget(registry: string, token: string): void {
    for (const [key, bucket] of this.#buckets) {
      if (!key.startsWith(`${registry}\u0000`)) continue;
      for (const [k, entry] of bucket.cache) if (entry.token.token === token) bucket.cache.delete(k);
    }
  }

  /**
   * A token covering `scopes`: a fresh cached one, an in-flight request that will cover them, or a new request.
   * Nothing here awaits before the in-flight map is updated, so concurrent callers always find each other.
   */
  #token(
    registry: string,
    challenge: Challenge,
    scopes: readonly Scope[],
    credential: Credential | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Token> {
    const bucket = this.#bucket(registry, challenge);
    const wanted = mergeScopes(scopes);
    const now = this.#now();
    for (const entry of bucket.cache.values()) {
      if (entry.token.expiresAt - this.#skew > now && scopesCover(entry.scopes, wanted)) {
        return Promise.resolve(entry.token);
      }
    }
    for (const flight of bucket.inflight.values()) {
      if (scopesCover(flight.scopes, wanted)) return withSignal(flight.promise, signal);
    }
    // Widening: a push after a pull on the same repository asks for pull,push, so one token serves both.
    const resources = new Set(wanted.map((s) => `${s.type}\u0000${s.name}`));
    const related = [...bucket.cache.values()].flatMap((e) =>
      e.scopes.filter((s) => resources.has(`${s.type}\u0000${s.name}`)),
    );
    const desired = mergeScopes(wanted, related);
    const key = scopeKey(desired);
    // The shared request gets no caller's signal: one caller giving up must not fail the others.
    const promise = this.#fetchToken(registry, challenge, desired, credential).then((token) => {
      const at = this.#now();
      for (const [k, entry] of bucket.cache) {
        if (entry.token.expiresAt - this.#skew <= at || scopesCover(desired, entry.scopes))
          bucket.cache.delete(k);
      }
      bucket.cache.set(key, { scopes: desired, token });
      return token;
    });
    const settled = promise.finally(() => bucket.inflight.delete(key));
    settled.catch(() => {});
    bucket.inflight.set(key, { scopes: desired, promise: settled });
    return withSignal(settled, signal);
  }

  async #fetchToken(
    registry: string,
    challenge: Challenge,
    scopes: Scope[],
    credential: Credential | undefined,
  ): Promise<Token> {
    const realm = validateRealm(challenge.params.realm!, registry, this.#allowHttp(registry));
    const service = challenge.params.service;
    const hasPassword = !!(credential?.username && credential.password);
    const useOauth =
      this.#oauth !== "never" && (!!credential?.identityToken || (this.#oauth === "always" && hasPassword));
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
      form.set("client_id", this.#clientId);
      if (scopes.length) form.set("scope", scopes.map(formatScope).join(" "));
      const request: AuthHttpRequest = {
        method: "POST",
        url: realm.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      };
      const response = await this.#exchange(request, `grant_type=${form.get("grant_type")}`, scopes);
      // Not every token server speaks OAuth2: "If the request to the endpoint returns 404 using the HTTP POST
      // method, refer to Token Documentation for using the HTTP GET method" (…/spec/auth/oauth/); some answer 405.
      if (response.status !== 404 && response.status !== 405) {
        return this.#tokenFrom(response, request, registry, scopes, credential);
      }
      this.#log(`auth: ${registry} token endpoint has no OAuth2 POST (${response.status}), using GET`);
    }

    // https://distribution.github.io/distribution/spec/auth/token/#requesting-a-token: each scope its own parameter.
    const url = new URL(realm);
    if (service) url.searchParams.set("service", service);
    for (const scope of scopes) url.searchParams.append("scope", formatScope(scope));
    const headers: Record<string, string> = { accept: "application/json" };
    if (hasPassword) headers.authorization = basicHeader(credential)!;
    const request: AuthHttpRequest = { method: "GET", url: url.toString(), headers };
    const response = await this.#exchange(request, hasPassword ? "basic" : "anonymous", scopes);
    return this.#tokenFrom(response, request, registry, scopes, credential);
  }

  async #exchange(request: AuthHttpRequest, how: string, scopes: Scope[]): Promise<AuthHttpResponse> {
    const started = this.#now();
    const response = await this.#send(request);
    this.#log(
      `auth: ${request.method} ${redactUrl(request.url)} (${how}, ${scopes.length} scope${scopes.length === 1 ? "" : "s"}) -> ${response.status} in ${this.#now() - started} ms`,
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
      const token = parseTokenResponse(response.body, request.url, this.#now());
      this.#secrets.add(token.token).add(refreshToken(response.body));
      this.#log(`auth: ${registry} token valid for ${Math.round((token.expiresAt - this.#now()) / 1000)} s`);
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
      secrets: this.#secrets,
      auth: { ...accessFacts(registry, scopes, credential), scopes },
    });
    if (response.status === 401 && isAnonymous(credential)) {
      const access = accessFacts(registry, scopes, credential);
      throw new AuthenticationError(`${context}: registry ${registry} requires a username and password`, {
        status: 401,
        errors: error.errors,
        ...(error.request ? { request: error.request } : {}),
        access,
        hint: accessHint(access, 401),
      });
    }
    throw error;
  }
}

function basicHeader(credential: Credential | undefined): string | undefined {
  if (!credential?.username || !credential.password) return undefined;
  // Stryker disable next-line StringLiteral: Buffer.from reads an empty encoding name as utf8, its default.
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, "utf8").toString("base64")}`;
}

/** The scopes a challenge names; scopes that do not parse are ignored (the request's own scopes still apply). */
function challengeScopes(challenge: Challenge): Scope[] {
  const text = challenge.params.scope;
  if (!text) return [];
  const scopes: Scope[] = [];
  // Stryker disable next-line MethodExpression,Regex: an empty part fails parseScope and is skipped like any unreadable one.
  for (const part of text.split(/\s+/).filter(Boolean)) {
    try {
      scopes.push(parseScope(part));
    } catch {
      // A registry-specific scope we cannot read; asking without it is the best we can do.
    }
  }
  return scopes;
}

function refused(
  registry: string,
  what: string,
  scopes: readonly Scope[],
  credential: Credential | undefined,
): AuthenticationError {
  const access = accessFacts(registry, scopes, credential);
  return new AuthenticationError(`registry ${registry} refused ${what}`, {
    status: 401,
    access,
    hint: accessHint(access, 401),
  });
}

/** The OAuth2 `refresh_token` of a token answer, if any (https://distribution.github.io/distribution/spec/auth/oauth/). */
function refreshToken(body: string): string | undefined {
  try {
    const value = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
    // Stryker disable BlockStatement: (the catch below) the body was parsed as JSON just before, and an empty catch answers undefined too.
    return typeof value === "string" ? value : undefined;
  } catch {
    // Stryker restore BlockStatement
    return undefined;
  }
}

function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError("token request aborted", { cause: signal.reason });
}
