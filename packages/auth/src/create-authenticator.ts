import { AuthenticationError, accessHint, SecretSet, scrubText } from "@regatta/errors";
import { isLoopbackRegistry, normalizeRegistry } from "@regatta/reference";
import { accessFacts } from "./access-facts.js";
import { type AuthTrace, traceAuth } from "./auth-trace.js";
import { basicHeader } from "./basic-header.js";
import { ChallengeState, challengeScopes } from "./challenge-state.js";
import { CredentialLookups } from "./credential-lookups.js";
import { type Challenge, parseWwwAuthenticate } from "./parse-www-authenticate.js";
import { formatScope, mergeScopes } from "./scope.js";
import { TokenCache } from "./token-cache.js";
import { TokenFetch, type TokenFetchOptions } from "./token-fetch.js";
import type {
  AuthDescription,
  Authenticator,
  AuthorizeRequest,
  Credential,
  CredentialProvider,
  Scope,
  Send,
} from "./types.js";

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
   * (`localhost`, `127.0.0.0/8`, `::1`), where a plain-http registry is normal. Asked about the registry, and about
   * the realm's host when it is another. Transport passes its `allowsHttp`: whether the registry is spoken to over
   * plain http now (an insecure one that answered over https is not, docs/security.md).
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

/**
 * The composition: {@link ChallengeState} (what each registry asked for), {@link CredentialLookups} (who we are
 * there), {@link TokenCache} (tokens held and in flight) and {@link TokenFetch} (one request to a token realm). What
 * is left here is the decision of which header answers a request or a challenge, and when to give up.
 */
class TokenAuthenticator implements Authenticator {
  readonly #challenges: ChallengeState;
  readonly #credentials: CredentialLookups;
  readonly #tokens: TokenCache;
  readonly #fetch: TokenFetch;
  readonly #fetchOptions: TokenFetchOptions;

  constructor(options: AuthenticatorOptions) {
    const secrets = options.secrets ?? new SecretSet();
    const userLog = options.log;
    const log = userLog ? (line: string) => userLog(scrubText(line, secrets)) : () => {};
    const now = options.now ?? Date.now;
    this.#challenges = new ChallengeState(log);
    this.#credentials = new CredentialLookups(options.credentials, secrets);
    this.#tokens = new TokenCache(now, options.refreshSkewMs ?? DEFAULT_SKEW_MS);
    this.#fetchOptions = {
      send: options.send,
      now,
      // Stryker disable next-line StringLiteral: any value but "never" and "always" behaves as "auto".
      oauth: options.oauth ?? "auto",
      clientId: options.clientId ?? "regatta",
      log,
      // The default trusts plain http only where it cannot leave the machine. The rule is isLoopbackRegistry's:
      // `localhost` and loopback addresses, not names under `.localhost`. RFC 6761 §6.3 says those SHOULD resolve to
      // loopback, but the answer comes from whatever resolver the machine has (a hosts file, a DNS server that
      // answers for them), and the text of a name is not an address: a credential sent to an http realm on such
      // a name could leave the host. Name the registry in allowHttpRealm (transport's insecure setting) to allow it.
      allowHttpRealm: options.allowHttpRealm ?? isLoopbackRegistry,
      secrets,
    };
    this.#fetch = new TokenFetch(this.#fetchOptions);
  }

  learn(registry: string, wwwAuthenticate: string): void {
    this.#challenges.learn(normalizeRegistry(registry), parseWwwAuthenticate(wwwAuthenticate));
  }

  async authorization(request: AuthorizeRequest): Promise<string | undefined> {
    const registry = normalizeRegistry(request.registry);
    const state = this.#challenges.get(registry);
    // Nothing learned yet: the first request goes anonymous and its 401 (or the /v2/ ping) teaches the challenge.
    if (!state?.challenge) return undefined;
    const credential = await this.#credential(registry, request.scopes);
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    if (state.scheme === "basic") return basicHeader(credential);
    if (state.scheme !== "bearer") return undefined;
    const token = await this.#token(registry, state.challenge, request.scopes, credential, request.signal);
    return `Bearer ${token}`;
  }

  async challenge(
    request: AuthorizeRequest & { wwwAuthenticate: string; previous?: string },
  ): Promise<string | undefined> {
    const registry = normalizeRegistry(request.registry);
    const state = this.#challenges.learn(registry, parseWwwAuthenticate(request.wwwAuthenticate));
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
    if (previous?.startsWith("Bearer ")) this.#tokens.forget(registry, previous.slice("Bearer ".length));
    const token = await this.#token(registry, challenge, scopes, credential, request.signal);
    const header = `Bearer ${token}`;
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
    return this.#challenges.describe(normalizeRegistry(registry));
  }

  async explain(request: AuthorizeRequest): Promise<AuthTrace> {
    const registry = normalizeRegistry(request.registry);
    const state = this.#challenges.get(registry);
    return traceAuth({
      registry,
      scheme: state?.scheme ?? "none",
      challenge: state?.challenge,
      scopes: request.scopes,
      credential: await this.#credential(registry, request.scopes),
      fetch: this.#fetchOptions,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }

  /** The credential for a registry and the first repository among the scopes, looked up once and remembered. */
  async #credential(registry: string, scopes: readonly Scope[]): Promise<Credential | undefined> {
    const credential = await this.#credentials.get(registry, scopes);
    this.#challenges.noteCredential(registry, credential);
    return credential;
  }

  /** A Bearer token for `scopes`, from the cache or from the challenge's realm. */
  async #token(
    registry: string,
    challenge: Challenge,
    scopes: readonly Scope[],
    credential: Credential | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const token = await this.#tokens.token(registry, challenge, scopes, signal, (desired) =>
      this.#fetch.fetch(registry, challenge, desired, credential).catch((error: unknown) => {
        // The request itself failed (not one caller's wait): relearn the challenge on the next call.
        this.#challenges.forget(registry, challenge);
        throw error;
      }),
    );
    return token.token;
  }
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
