import { ProtocolError, redactUrl } from "@regatta/errors";
import { unsendableTokenReason } from "./unsendable-token.js";

/** A token as cached: the bearer value and when to stop using it (epoch milliseconds). */
export interface Token {
  token: string;
  expiresAt: number;
}

/** Docker's floor on a token's lifetime, applied when `expires_in` is missing or lower. */
export const MINIMUM_TOKEN_LIFETIME_S = 60;

/**
 * Parses a token endpoint's 200 answer (https://distribution.github.io/distribution/spec/auth/token/#token-response-fields
 * and …/oauth/#token-response-fields). `token` and `access_token` are synonyms (ACR and some OAuth servers send
 * only the latter); when both are set `token` is used, where docker's client takes `access_token` ("if both are
 * specified the choice is undefined", distribution's registry/client/auth/session.go). Either way both are secrets
 * ({@link tokenAnswerSecrets}). `expires_in` defaults to and is at least 60 s, as docker's client does
 * (`minimumTokenLifetimeSeconds`). `issued_at` is honoured only when it makes the token expire sooner, so a token
 * server whose clock runs ahead cannot make us keep a token past its life, and never below the 60 s floor counted
 * from receipt, so one whose clock runs behind cannot make every token expired on arrival. A token that cannot go in a header
 * ({@link unsendableTokenReason}) is the token service's fault, said here rather than left to undici to refuse as
 * the request is sent. Errors never quote the body: it holds the token.
 */
export function parseTokenResponse(body: string, realm: string, now: number): Token {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ProtocolError(`token response from ${redactUrl(realm)} is not JSON`);
  }
  if (!json || typeof json !== "object") {
    throw new ProtocolError(`token response from ${redactUrl(realm)} is not a JSON object`);
  }
  const r = json as Record<string, unknown>;
  const token =
    typeof r.token === "string" && r.token
      ? r.token
      : typeof r.access_token === "string" && r.access_token
        ? r.access_token
        : undefined;
  if (!token)
    throw new ProtocolError(`token response from ${redactUrl(realm)} has no "token" or "access_token"`);
  const unsendable = unsendableTokenReason(token);
  if (unsendable) {
    throw new ProtocolError(
      `token response from ${redactUrl(realm)} carries a token that cannot be sent in an Authorization header: ${unsendable}`,
      {
        code: "INVALID_TOKEN",
        hint: "the registry's token service is at fault, not the network or the credentials",
      },
    );
  }
  const expiresIn =
    // Stryker disable next-line ConditionalExpression: Number.isFinite is false for any non-number; typeof only narrows.
    typeof r.expires_in === "number" && Number.isFinite(r.expires_in)
      ? Math.max(r.expires_in, MINIMUM_TOKEN_LIFETIME_S)
      : MINIMUM_TOKEN_LIFETIME_S;
  let expiresAt = now + expiresIn * 1000;
  if (typeof r.issued_at === "string") {
    const issued = Date.parse(r.issued_at);
    // Never below the floor from receipt: an issued_at further back than the lifetime (the token server's clock
    // runs behind ours) made every token expired on arrival, so each request fetched a new one (Docker Hub counts
    // them). A token that is truly stale is refused by the registry, which asks for a new one.
    if (Number.isFinite(issued))
      expiresAt = Math.max(
        Math.min(expiresAt, issued + expiresIn * 1000),
        now + MINIMUM_TOKEN_LIFETIME_S * 1000,
      );
  }
  return { token, expiresAt };
}

/**
 * The fields of a token answer that carry a credential: the Bearer token under both its names, the OAuth2
 * `refresh_token` (https://distribution.github.io/distribution/spec/auth/oauth/#token-response-fields) and an OpenID
 * `id_token`. Only one token is used (see {@link parseTokenResponse}), but a server may send a different value in
 * each, and a registry echoing the unused one (in a tag list, an error) must not print it.
 */
const CREDENTIAL_FIELDS = ["token", "access_token", "refresh_token", "id_token"] as const;

/** Every credential a token answer carries, used or not, for the client's secret set; strings only. */
export function tokenAnswerSecrets(body: string): string[] {
  try {
    const json = JSON.parse(body) as Record<string, unknown> | null;
    return CREDENTIAL_FIELDS.map((field) => json?.[field]).filter(
      (value): value is string => typeof value === "string" && value !== "",
    );
  } catch {
    // Stryker disable next-line ArrayDeclaration: parseTokenResponse refused a body that is not JSON just before.
    return [];
  }
}
