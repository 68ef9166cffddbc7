import { ProtocolError, redactUrl } from "@regatta/errors";
import { type CredentialSource, credentialSource } from "./credential-source.js";
import type { Challenge } from "./parse-www-authenticate.js";
import { parseScope } from "./scope.js";
import { isAnonymous } from "./static-credentials.js";
import type { AuthDescription, Credential, Scope } from "./types.js";

/** What one registry told us about itself: the challenge it answered with and who we are there. */
export interface RegistryState {
  scheme: AuthDescription["scheme"];
  challenge?: Challenge;
  username?: string;
  /** Whether the last credential lookup for the registry found nothing (see {@link AuthDescription.anonymous}). */
  anonymous?: boolean;
  /** Where the last credential lookup's answer came from (see {@link AuthDescription.source}). */
  source?: CredentialSource;
}

/**
 * Each registry's `WWW-Authenticate` challenge (scheme, realm, service), learned from its answers and kept per
 * registry, plus the username its credential named, for {@link ChallengeState.describe}. Registry names are expected
 * normalised already.
 */
export class ChallengeState {
  readonly #states = new Map<string, RegistryState>();
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  /** What the registry said last, if it has challenged us yet. */
  get(registry: string): RegistryState | undefined {
    return this.#states.get(registry);
  }

  /** Records a registry's challenges, preferring Bearer (with a realm) over Basic over anything else. */
  learn(registry: string, challenges: Challenge[]): RegistryState {
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

  /**
   * Drops what the registry asked for, when it is still `challenge`, so the next request goes without credentials and
   * learns the challenge again from the registry's 401: a token request that failed (token server down, realm
   * refused) must not fail every later call of a long-lived client without asking the registry, which may have
   * fixed its token server or changed its challenge since (https://distribution.github.io/distribution/spec/auth/token/:
   * the 401 says how to authenticate). A newer challenge, learnt meanwhile by a concurrent 401, is kept.
   */
  forget(registry: string, challenge: Challenge): void {
    const state = this.#states.get(registry);
    if (state?.challenge !== challenge) return;
    delete state.challenge;
    state.scheme = "none";
  }

  /** Remembers the username of the registry's credential (not an anonymous one), for {@link ChallengeState.describe}. */
  noteCredential(registry: string, credential: Credential | undefined): void {
    // Stryker disable next-line ObjectLiteral,StringLiteral: unreachable, both callers learned the registry's challenge first.
    const state = this.#states.get(registry) ?? { scheme: "none" };
    if (credential?.username && !isAnonymous(credential)) state.username = credential.username;
    state.anonymous = isAnonymous(credential);
    const source = credentialSource(credential);
    if (source) state.source = source;
    else delete state.source;
    this.#states.set(registry, state);
  }

  /** How requests to the registry are authenticated, without a secret (realms are redacted). */
  describe(registry: string): AuthDescription {
    const state = this.#states.get(registry);
    const description: AuthDescription = { registry, scheme: state?.scheme ?? "none" };
    if (state?.username) description.username = state.username;
    if (state?.anonymous) description.anonymous = true;
    if (state?.source) description.source = state.source;
    // Stryker disable next-line OptionalChaining: a registry's state is only recorded with its challenge.
    const realm = state?.challenge?.params.realm;
    if (realm) description.realm = redactUrl(realm);
    // Stryker disable next-line OptionalChaining: a registry's state is only recorded with its challenge.
    const service = state?.challenge?.params.service;
    if (service) description.service = service;
    return description;
  }
}

/** The scopes a challenge names; scopes that do not parse are ignored (the request's own scopes still apply). */
export function challengeScopes(challenge: Challenge): Scope[] {
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
