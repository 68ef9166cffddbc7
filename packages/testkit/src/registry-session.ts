/** Credentials for {@link createRegistrySession} and {@link pushImage}. */
export interface PlainCredentials {
  username?: string;
  password?: string;
  /** A ready bearer token: skips the challenge and the token request. */
  token?: string;
}

/** Plain-`fetch` access to one registry, authenticated once up front (see {@link createRegistrySession}). */
export interface RegistrySession {
  /** Fetches `path` (e.g. `/v2/x/manifests/v1`) or an absolute URL on the registry with the session's `Authorization`. */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** The `Authorization` value in use, once known (undefined for anonymous registries). */
  authorization(): Promise<string | undefined>;
}

/**
 * Test-only registry access with Node's global `fetch`, for seeding and checking registries without Regatta's
 * own transport. It pings `GET /v2/` once; on a `Basic` challenge it sends the credentials, on a `Bearer`
 * challenge it fetches one token for `scopes` from the realm (Basic credentials if given, anonymous otherwise).
 * Authenticating before the first upload means no request body ever needs replaying after a 401.
 */
export function createRegistrySession(
  registryUrl: string,
  scopes: string[],
  credentials: PlainCredentials = {},
): RegistrySession {
  const base = registryUrl.replace(/\/+$/, "");
  let auth: Promise<string | undefined> | undefined;
  const authorization = () => {
    auth ??= negotiate(base, scopes, credentials);
    return auth;
  };
  return {
    authorization,
    async fetch(pathOrUrl, init = {}) {
      const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${base}${pathOrUrl}`;
      const headers = new Headers(init.headers);
      const value = await authorization();
      if (value && !headers.has("authorization")) headers.set("authorization", value);
      return fetch(url, { ...init, headers });
    },
  };
}

async function negotiate(
  base: string,
  scopes: string[],
  credentials: PlainCredentials,
): Promise<string | undefined> {
  if (credentials.token) return `Bearer ${credentials.token}`;
  const ping = await fetch(`${base}/v2/`);
  await ping.body?.cancel();
  if (ping.status !== 401) return undefined;
  const challenge = ping.headers.get("www-authenticate") ?? "";
  const basic =
    credentials.username !== undefined
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ""}`).toString("base64")}`
      : undefined;
  if (/^basic\b/i.test(challenge)) {
    if (!basic) throw new Error(`${base} asks for Basic credentials and none were given`);
    return basic;
  }
  if (!/^bearer\b/i.test(challenge)) throw new Error(`${base} sent an unknown challenge: ${challenge}`);
  const params = parseChallengeParams(challenge);
  if (!params.realm) throw new Error(`${base} sent a Bearer challenge without realm: ${challenge}`);
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set("service", params.service);
  for (const scope of scopes) tokenUrl.searchParams.append("scope", scope);
  const res = await fetch(tokenUrl, basic ? { headers: { authorization: basic } } : {});
  if (!res.ok)
    throw new Error(`token request to ${tokenUrl.origin}${tokenUrl.pathname} failed: ${res.status}`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error("token response has neither token nor access_token");
  return `Bearer ${token}`;
}

/** Parses the `key="value"` parameters of a `WWW-Authenticate` challenge. */
export function parseChallengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
  }
  return out;
}
