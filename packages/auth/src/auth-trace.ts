import { redactUrl } from "@regatta/errors";
import { type CredentialSource, credentialSource } from "./credential-source.js";
import type { Challenge } from "./parse-www-authenticate.js";
import { formatScope } from "./scope.js";
import { isAnonymous } from "./static-credentials.js";
import { decodeTokenClaims, type TokenClaims } from "./token-claims.js";
import { TokenFetch, type TokenFetchOptions } from "./token-fetch.js";
import type { AuthDescription, Credential, Scope, Send } from "./types.js";

/** What went to a token realm and what came back, without a secret (the URL redacted, the token left out). */
export interface TokenExchangeTrace {
  method: "GET" | "POST";
  /** The realm URL with its query (`service`, `scope`), redacted as in logs. */
  url: string;
  /** What proved who we are: `basic` (GET with a password), `anonymous`, or the OAuth2 `grant_type=…` of a POST. */
  sent: string;
  status: number;
  /** `expires_in` and `issued_at` as the token server answered them (absent when it did not say). */
  expiresIn?: number;
  issuedAt?: string;
  /** Whether the answer carried an OAuth2 `refresh_token` (never its value). */
  refreshToken?: boolean;
}

/** Who the client is at a registry: where the credential came from and what kind it is, never the secret. */
export interface CredentialTrace {
  /** Undefined when a custom provider answered without saying where it looked. */
  source: CredentialSource | undefined;
  kind: "none" | "password" | "identity-token" | "registry-token";
  username?: string;
}

/**
 * One authentication replayed step by step for `auth explain` ({@link Authenticator.explain}): the credential looked
 * up, the token requests made for `scopes` and their answers, and what the token grants. Carries no secret: the token
 * itself stays inside; only its decoded claims come out.
 */
export interface AuthTrace {
  registry: string;
  scheme: AuthDescription["scheme"];
  /** The scopes asked for, as strings (`repository:team/app:pull,push`). */
  scopes: string[];
  credential: CredentialTrace;
  /** Token requests, in order (an OAuth2 POST that falls back to GET makes two). Empty without Bearer. */
  exchanges: TokenExchangeTrace[];
  /** `realm` for a token from the challenge's realm, `registry-token` for one configured (`registrytoken`). */
  token?: { from: "realm" | "registry-token"; claims?: TokenClaims };
  /** Why no token came, when a token request failed (a typed, scrubbed error). */
  error?: unknown;
}

/** What {@link traceAuth} needs: the authenticator's state for one registry and its token-fetch options. */
export interface TraceInput {
  registry: string;
  scheme: AuthDescription["scheme"];
  challenge: Challenge | undefined;
  scopes: readonly Scope[];
  credential: Credential | undefined;
  fetch: TokenFetchOptions;
  signal?: AbortSignal;
}

/**
 * Replays the authentication for `scopes` with a fresh token request (the cache is neither read nor filled), each
 * exchange recorded. A failed token request is recorded too, with its error, rather than thrown.
 */
export async function traceAuth(input: TraceInput): Promise<AuthTrace> {
  const trace: AuthTrace = {
    registry: input.registry,
    scheme: input.scheme,
    scopes: input.scopes.map(formatScope),
    credential: credentialTrace(input.credential),
    exchanges: [],
  };
  const registryToken = input.credential?.registryToken;
  if (registryToken) {
    trace.token = { from: "registry-token", ...claimsOf(registryToken) };
    return trace;
  }
  if (input.scheme !== "bearer" || !input.challenge) return trace;
  const send: Send = async (request) => {
    const response = await input.fetch.send(input.signal ? { ...request, signal: input.signal } : request);
    trace.exchanges.push({
      method: request.method,
      url: redactUrl(request.url),
      sent:
        request.method === "POST"
          ? grantOf(request.body)
          : request.headers.authorization
            ? "basic"
            : "anonymous",
      status: response.status,
      ...(response.status === 200 ? answerFields(response.body) : {}),
    });
    return response;
  };
  try {
    const token = await new TokenFetch({ ...input.fetch, send }).fetch(
      input.registry,
      input.challenge,
      [...input.scopes],
      input.credential,
    );
    trace.token = { from: "realm", ...claimsOf(token.token) };
  } catch (error) {
    trace.error = error;
  }
  return trace;
}

function credentialTrace(credential: Credential | undefined): CredentialTrace {
  const source = credentialSource(credential);
  if (!credential || isAnonymous(credential)) return { source, kind: "none" };
  const kind = credential.registryToken
    ? "registry-token"
    : credential.identityToken
      ? "identity-token"
      : "password";
  return { source, kind, ...(credential.username ? { username: credential.username } : {}) };
}

function claimsOf(token: string): { claims?: TokenClaims } {
  const claims = decodeTokenClaims(token);
  return claims ? { claims } : {};
}

function grantOf(body: string | undefined): string {
  return `grant_type=${new URLSearchParams(body ?? "").get("grant_type") ?? "?"}`;
}

/** `expires_in`, `issued_at` and whether a refresh token came, from a 200 answer; never the token. */
function answerFields(body: string): Pick<TokenExchangeTrace, "expiresIn" | "issuedAt" | "refreshToken"> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
  if (!json || typeof json !== "object") return {};
  return {
    ...(typeof json.expires_in === "number" ? { expiresIn: json.expires_in } : {}),
    ...(typeof json.issued_at === "string" ? { issuedAt: json.issued_at } : {}),
    ...(typeof json.refresh_token === "string" ? { refreshToken: true } : {}),
  };
}
