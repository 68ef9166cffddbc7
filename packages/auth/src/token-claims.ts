/** One `access` entry of a Docker registry token: what it lets its bearer do to one resource. */
export interface TokenAccessClaim {
  type: string;
  name: string;
  actions: string[];
}

/**
 * The claims of a Docker registry token that say what it grants
 * (https://distribution.github.io/distribution/spec/auth/jwt/): never the signature, never the token.
 */
export interface TokenClaims {
  access: TokenAccessClaim[];
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Expiry, issued-at and not-before, seconds since the epoch as in the token. */
  exp?: number;
  iat?: number;
  nbf?: number;
}

/**
 * The payload of a JWT (`header.payload.signature`, RFC 7519) as {@link TokenClaims}, or undefined when the token is
 * not a JWT with a JSON object payload (an opaque token, as some registries issue). Only the payload is read; the
 * signature is not checked (the registry does that) and is never looked at, so nothing here can leak it.
 */
export function decodeTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+={0,2}$/.test(p))) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const claims: TokenClaims = { access: accessOf(p.access) };
  for (const name of ["iss", "sub"] as const) if (typeof p[name] === "string") claims[name] = p[name];
  if (typeof p.aud === "string" || (Array.isArray(p.aud) && p.aud.every((a) => typeof a === "string")))
    claims.aud = p.aud as string | string[];
  for (const name of ["exp", "iat", "nbf"] as const)
    if (typeof p[name] === "number" && Number.isFinite(p[name])) claims[name] = p[name];
  return claims;
}

/** The well-formed entries of an `access` claim; anything else in it is dropped. */
function accessOf(value: unknown): TokenAccessClaim[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (!entry || typeof entry !== "object") return [];
    const { type, name, actions } = entry as Record<string, unknown>;
    if (typeof type !== "string" || typeof name !== "string" || !Array.isArray(actions)) return [];
    return [{ type, name, actions: actions.filter((a): a is string => typeof a === "string") }];
  });
}
