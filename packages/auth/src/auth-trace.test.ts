import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { anonymous, staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const signature = "c2lnbmF0dXJlLW5ldmVyLXNob3du";
const jwt = `${part({ alg: "RS256" })}.${part({ sub: "alice", access: [{ type: "repository", name: "team/app", actions: ["pull"] }] })}.${signature}`;
const challenge = 'Bearer realm="https://auth.r.io/token",service="r.io"';
const scopes = [repositoryScope("team/app", ["pull", "push"])];

describe("Authenticator.explain", () => {
  it("records the token request and answer, decodes the claims and never carries the token or the password", async () => {
    const send = fakeSend(() => ({
      body: tokenBody(jwt, {
        expires_in: 300,
        issued_at: "2026-01-01T00:00:00Z",
        refresh_token: "rt-secret",
      }),
    }));
    const auth = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "alice", password: "pw-secret" }),
    });
    auth.learn("r.io", challenge);
    const trace = await auth.explain!({ registry: "r.io", scopes });
    expect(trace).toEqual({
      registry: "r.io",
      scheme: "bearer",
      scopes: ["repository:team/app:pull,push"],
      credential: { source: { kind: "explicit" }, kind: "password", username: "alice" },
      exchanges: [
        {
          method: "GET",
          url: "https://auth.r.io/token?service=r.io&scope=repository%3Ateam%2Fapp%3Apull%2Cpush",
          sent: "basic",
          status: 200,
          expiresIn: 300,
          issuedAt: "2026-01-01T00:00:00Z",
          refreshToken: true,
        },
      ],
      token: {
        from: "realm",
        claims: { sub: "alice", access: [{ type: "repository", name: "team/app", actions: ["pull"] }] },
      },
    });
    const text = JSON.stringify(trace);
    for (const secret of [jwt, signature, "pw-secret", "rt-secret"]) expect(text).not.toContain(secret);
  });

  it("asks afresh each time (the cache is neither read nor filled) and records an OAuth2 POST's grant", async () => {
    const send = fakeSend((request) => ({
      status: request.method === "POST" ? 404 : 200,
      body: tokenBody("opaque"),
    }));
    const auth = createAuthenticator({ send, credentials: staticCredentials({ identityToken: "idt" }) });
    auth.learn("r.io", challenge);
    await auth.explain!({ registry: "r.io", scopes });
    const trace = await auth.explain!({ registry: "r.io", scopes });
    expect(trace.exchanges.map((e) => `${e.method} ${e.sent} ${e.status}`)).toEqual([
      "POST grant_type=refresh_token 404",
      "GET anonymous 200",
    ]);
    expect(trace.token).toEqual({ from: "realm" });
    expect(send.requests).toHaveLength(4);
  });

  it("keeps a refused token request's error instead of throwing", async () => {
    const send = fakeSend(() => ({ status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }));
    const auth = createAuthenticator({ send, credentials: anonymous() });
    auth.learn("r.io", challenge);
    const trace = await auth.explain!({ registry: "r.io", scopes });
    expect(trace.credential).toEqual({ source: { kind: "anonymous" }, kind: "none" });
    expect(trace.exchanges).toMatchObject([{ status: 401, sent: "anonymous" }]);
    expect(trace.token).toBeUndefined();
    expect(String(trace.error)).toMatch(/requires a username and password/);
  });

  it("makes no token request for Basic, nor for a configured registry token, whose claims it reads", async () => {
    const send = fakeSend(() => ({}));
    const basic = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "u", password: "p" }),
    });
    basic.learn("r.io", 'Basic realm="r"');
    expect(await basic.explain!({ registry: "r.io", scopes })).toMatchObject({
      scheme: "basic",
      exchanges: [],
    });
    const configured = createAuthenticator({ send, credentials: staticCredentials({ registryToken: jwt }) });
    configured.learn("r.io", challenge);
    const trace = await configured.explain!({ registry: "r.io", scopes });
    expect(trace.token).toMatchObject({ from: "registry-token", claims: { sub: "alice" } });
    expect(trace.credential.kind).toBe("registry-token");
    const none = createAuthenticator({ send });
    expect(await none.explain!({ registry: "r.io", scopes })).toMatchObject({
      scheme: "none",
      credential: { kind: "none" },
    });
    expect(send.requests).toHaveLength(0);
  });
});
