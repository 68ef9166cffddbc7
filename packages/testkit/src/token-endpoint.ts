import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  formatScope,
  parseScopes,
  type TokenAccess,
  type TokenAlgorithm,
  TokenIssuer,
} from "./token-issuer.js";

/** The default test user of the token server and of {@link startRegistry}. */
export const DEFAULT_USERS: Readonly<Record<string, string>> = Object.freeze({ regatta: "regatta-secret" });

/** Options shared by {@link startTokenServer} and the fake registry's bearer auth. */
export interface TokenEndpointOptions {
  /** Accepted users and passwords. Default {@link DEFAULT_USERS}. */
  users?: Record<string, string>;
  /** `aud` of every token and the registry's `auth.token.service`. Default `regatta-registry`. */
  service?: string;
  /** `iss` of every token and the registry's `auth.token.issuer`. Default `regatta-token-server`. */
  issuer?: string;
  /** Token lifetime. Default 300. distribution adds 60 s of leeway to `exp`, so a token outlives this by a minute. */
  tokenTtlSeconds?: number;
  /**
   * Actions granted to `user` (undefined when anonymous) for one requested scope. Default: a known user gets
   * every action asked for; anonymous callers get `pull` only.
   */
  accessFor?: (user: string | undefined, scope: TokenAccess) => string[];
  /** Clock in milliseconds; a test can move it back to hand out already-expired tokens. Default `Date.now`. */
  now?: () => number;
  /**
   * Signing algorithm. Default RS256 (what distribution needs); the fake registry's bearer auth defaults to
   * HS256, which needs no RSA key generation.
   */
  algorithm?: TokenAlgorithm;
}

/** One request a token endpoint answered, without secrets. */
export interface TokenRequestRecord {
  method: string;
  /** Scope strings as requested. */
  scopes: string[];
  /** Authenticated user name; undefined for anonymous and failed requests. */
  user: string | undefined;
  /** `password` or `refresh_token` for the OAuth2 POST; undefined for GET. */
  grantType?: string;
  /** `service` parameter as sent. */
  service?: string | undefined;
  status: number;
}

/** The protocol logic of a Docker token endpoint, on WHATWG `Request`/`Response` (see {@link createTokenEndpoint}). */
export interface TokenEndpoint {
  issuer: TokenIssuer;
  users: Record<string, string>;
  tokenTtlSeconds: number;
  now: () => number;
  /** Every request answered so far, oldest first. Clear it with `requests.length = 0`. */
  requests: TokenRequestRecord[];
  /** Answers `GET` and `POST` token requests; the path is not checked. */
  handle(request: Request): Promise<Response>;
  /** Forgets every refresh token issued so far, so refresh grants fail with 401. */
  revokeRefreshTokens(): void;
}

/**
 * Implements https://distribution.github.io/distribution/spec/auth/token/ and /spec/auth/oauth/ :
 *
 * - `GET ?service=…&scope=…&scope=…` with Basic credentials or none; `offline_token=true` also returns a
 *   `refresh_token`. A wrong password answers 401 with `{"errors":[{"code":"UNAUTHORIZED",…}]}`.
 * - `POST` (form): `grant_type=password` (username, password) or `grant_type=refresh_token`;
 *   `access_type=offline` returns a `refresh_token`. Failures answer 401 `{"error":"invalid_grant",…}`.
 *
 * Served over a socket by {@link startTokenServer} and inside msw by the fake registry's bearer auth.
 */
export function createTokenEndpoint(options: TokenEndpointOptions = {}): TokenEndpoint {
  const users = { ...(options.users ?? DEFAULT_USERS) };
  const ttl = options.tokenTtlSeconds ?? 300;
  const now = options.now ?? Date.now;
  const accessFor = options.accessFor ?? defaultAccess;
  const issuer = new TokenIssuer({
    service: options.service ?? "regatta-registry",
    issuer: options.issuer ?? "regatta-token-server",
    ...(options.algorithm ? { algorithm: options.algorithm } : {}),
  });
  const requests: TokenRequestRecord[] = [];
  const refreshTokens = new Map<string, string>();

  const grant = async (user: string | undefined, scopes: TokenAccess[], offline: boolean) => {
    const access = scopes
      .map((scope) => ({ ...scope, actions: accessFor(user, scope) }))
      .filter((a) => a.actions.length > 0);
    const issuedAt = Math.floor(now() / 1000);
    const token = await issuer.sign({
      ...(user !== undefined ? { subject: user } : {}),
      access,
      ttlSeconds: ttl,
      issuedAt,
    });
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: ttl,
      issued_at: new Date(issuedAt * 1000).toISOString(),
    };
    if (offline && user !== undefined) {
      const refresh = randomBytes(24).toString("base64url");
      refreshTokens.set(refresh, user);
      body.refresh_token = refresh;
    }
    return { body, access };
  };

  const checkPassword = (user: string, password: string): boolean => {
    const expected = users[user];
    if (expected === undefined) return false;
    const a = Buffer.from(password);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const service = url.searchParams.get("service") ?? undefined;
    if (request.method === "GET") {
      const scopes = url.searchParams.getAll("scope");
      const record: TokenRequestRecord = { method: "GET", scopes, user: undefined, service, status: 200 };
      requests.push(record);
      const basic = parseBasic(request.headers.get("authorization"));
      if (basic && !checkPassword(basic.user, basic.password)) {
        record.status = 401;
        return json(
          401,
          { errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password", detail: null }] },
          { "WWW-Authenticate": 'Basic realm="regatta-token-server"' },
        );
      }
      record.user = basic?.user;
      const offline = url.searchParams.get("offline_token") === "true";
      const { body } = await grant(basic?.user, parseScopes(scopes), offline);
      return json(200, body);
    }
    if (request.method === "POST") {
      const text = await request.text();
      if (text.length > 64 * 1024) return json(413, { error: "invalid_request" });
      const form = new URLSearchParams(text);
      const grantType = form.get("grant_type") ?? "";
      const scopes = form.getAll("scope");
      const record: TokenRequestRecord = {
        method: "POST",
        scopes,
        user: undefined,
        grantType,
        service: form.get("service") ?? service,
        status: 200,
      };
      requests.push(record);
      let user: string | undefined;
      if (grantType === "password") {
        const name = form.get("username") ?? "";
        if (!checkPassword(name, form.get("password") ?? "")) {
          record.status = 401;
          return json(401, { error: "invalid_grant", error_description: "incorrect username or password" });
        }
        user = name;
      } else if (grantType === "refresh_token") {
        user = refreshTokens.get(form.get("refresh_token") ?? "");
        if (user === undefined) {
          record.status = 401;
          return json(401, { error: "invalid_grant", error_description: "unknown refresh token" });
        }
      } else {
        record.status = 400;
        return json(400, { error: "unsupported_grant_type" });
      }
      record.user = user;
      const offline = form.get("access_type") === "offline";
      const { body, access } = await grant(user, parseScopes(scopes), offline);
      // The OAuth2 answer names the granted scope and has no `token` field.
      const { token: _token, ...oauth } = body;
      if (grantType === "refresh_token") oauth.refresh_token = form.get("refresh_token");
      return json(200, { ...oauth, scope: access.map(formatScope).join(" ") });
    }
    return json(
      405,
      { errors: [{ code: "UNSUPPORTED", message: "method not allowed" }] },
      { Allow: "GET, POST" },
    );
  };

  return {
    issuer,
    users,
    tokenTtlSeconds: ttl,
    now,
    requests,
    handle,
    revokeRefreshTokens: () => refreshTokens.clear(),
  };
}

function defaultAccess(user: string | undefined, scope: TokenAccess): string[] {
  return user === undefined ? scope.actions.filter((a) => a === "pull") : scope.actions;
}

/** Decodes a `Basic` Authorization header. */
export function parseBasic(
  header: string | null | undefined,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });
}
