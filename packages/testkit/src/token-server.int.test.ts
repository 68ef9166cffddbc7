import { X509Certificate } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatScope, parseScopes } from "./token-issuer.js";
import { startTokenServer, type TokenServer } from "./token-server.js";

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("startTokenServer", () => {
  let server: TokenServer;
  let clock = Date.now();
  beforeAll(async () => {
    server = await startTokenServer({ users: { alice: "secret" }, tokenTtlSeconds: 120, now: () => clock });
  });
  afterAll(() => server?.close());

  const get = (query: string, auth?: string) =>
    fetch(`${server.realm}?${query}`, auth ? { headers: { authorization: auth } } : {});
  const post = (form: Record<string, string>) =>
    fetch(server.realm, { method: "POST", body: new URLSearchParams(form) });

  it("issues an RS256 token with distribution's claims and an x5c header", async () => {
    clock = Date.UTC(2030, 0, 1);
    const res = await get(
      "service=regatta-registry&scope=repository:a/b:pull,push&scope=repository:c:pull",
      basic("alice", "secret"),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      token: string;
      access_token: string;
      expires_in: number;
      issued_at: string;
    };
    expect(body.expires_in).toBe(120);
    expect(body.issued_at).toBe("2030-01-01T00:00:00.000Z");
    const header = decodeProtectedHeader(body.token);
    expect(header.alg).toBe("RS256");
    const cert = new X509Certificate(Buffer.from(header.x5c![0]!, "base64"));
    expect(cert.toString()).toBe(new X509Certificate(server.certificatePem).toString());
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({
      iss: "regatta-token-server",
      sub: "alice",
      aud: "regatta-registry",
      iat: 1893456000,
      nbf: 1893456000,
      exp: 1893456120,
      access: [
        { type: "repository", name: "a/b", actions: ["pull", "push"] },
        { type: "repository", name: "c", actions: ["pull"] },
      ],
    });
    expect(typeof claims.jti).toBe("string");
    clock = Date.now();
  });

  it("gives anonymous callers pull only and refuses a wrong password", async () => {
    const anon = (await (await get("scope=repository:a:pull,push")).json()) as { token: string };
    expect(decodeJwt(anon.token)).toMatchObject({
      access: [{ type: "repository", name: "a", actions: ["pull"] }],
    });
    expect(decodeJwt(anon.token).sub).toBeUndefined();
    const wrong = await get("scope=repository:a:pull", basic("alice", "nope"));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password", detail: null }],
    });
  });

  it("speaks the OAuth2 password and refresh_token grants", async () => {
    const first = await post({
      grant_type: "password",
      username: "alice",
      password: "secret",
      service: "regatta-registry",
      client_id: "regatta",
      access_type: "offline",
      scope: "repository:a:pull repository:b:push",
    });
    expect(first.status).toBe(200);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ expires_in: 120, scope: "repository:a:pull repository:b:push" });
    expect(body.token).toBeUndefined();
    expect(typeof body.access_token).toBe("string");
    expect(typeof body.refresh_token).toBe("string");
    const refreshed = await post({
      grant_type: "refresh_token",
      refresh_token: body.refresh_token as string,
      service: "regatta-registry",
      scope: "repository:a:pull",
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).sub).toBe("alice");
    server.revokeRefreshTokens();
    const revoked = await post({ grant_type: "refresh_token", refresh_token: body.refresh_token as string });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: "invalid_grant" });
    expect((await post({ grant_type: "password", username: "alice", password: "x" })).status).toBe(401);
    expect((await post({ grant_type: "client_credentials" })).status).toBe(400);
  });

  it("records requests without secrets", async () => {
    server.requests.length = 0;
    await get("service=s&scope=repository:x:pull", basic("alice", "secret"));
    await post({ grant_type: "password", username: "alice", password: "secret", scope: "repository:x:pull" });
    expect(server.requests).toEqual([
      { method: "GET", scopes: ["repository:x:pull"], user: "alice", service: "s", status: 200 },
      { method: "POST", scopes: ["repository:x:pull"], user: "alice", grantType: "password", status: 200 },
    ]);
    expect(JSON.stringify(server.requests)).not.toContain("secret");
  });

  it("applies accessFor", async () => {
    const restricted = await startTokenServer({
      accessFor: (user, scope) => (user && scope.name === "mine" ? scope.actions : []),
    });
    try {
      const res = await fetch(`${restricted.realm}?scope=repository:mine:pull&scope=repository:theirs:pull`, {
        headers: { authorization: basic("regatta", "regatta-secret") },
      });
      const { token } = (await res.json()) as { token: string };
      expect(decodeJwt(token).access).toEqual([{ type: "repository", name: "mine", actions: ["pull"] }]);
    } finally {
      await restricted.close();
    }
  });
});

describe("parseScopes", () => {
  it.each([
    ["repository:library/alpine:pull", [{ type: "repository", name: "library/alpine", actions: ["pull"] }]],
    [
      "repository:localhost:5000/x:pull,push",
      [{ type: "repository", name: "localhost:5000/x", actions: ["pull", "push"] }],
    ],
    ["registry:catalog:*", [{ type: "registry", name: "catalog", actions: ["*"] }]],
    [
      "repository:a:pull repository:b:push",
      [
        { type: "repository", name: "a", actions: ["pull"] },
        { type: "repository", name: "b", actions: ["push"] },
      ],
    ],
    ["garbage", []],
  ])("parses %s", (scope, expected) => {
    expect(parseScopes([scope])).toEqual(expected);
    for (const access of expected) expect(scope).toContain(formatScope(access));
  });
});
