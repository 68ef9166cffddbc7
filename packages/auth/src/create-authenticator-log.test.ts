import { SecretSet, scrubText } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { fakeClock, fakeSend, tokenBody } from "./test-helpers.js";

// What create-authenticator.test.ts left unsaid: the log lines, the skew option, the secrets it records and which
// registry a refused token is forgotten for (found by mutation testing, docs/testing.md).

const pull = (repo: string) => [repositoryScope(repo)];

describe("the authenticator's log: one line per challenge and per token request, never a secret", () => {
  it("names the scheme, the redacted realm and the service of a learned challenge", () => {
    const lines: string[] = [];
    const auth = createAuthenticator({ send: fakeSend(() => ({})), log: (l) => lines.push(l) });
    auth.learn("R.io", 'Bearer realm="https://auth.r.io/token?code=sekrit",service="r.io"');
    auth.learn("basic.io", 'Basic realm="Registry"');
    auth.learn("plain.io", "Basic");
    expect(lines).toEqual([
      "auth: r.io challenges with bearer realm=https://auth.r.io/token?code=REDACTED service=r.io",
      "auth: basic.io challenges with basic realm=Registry",
      "auth: plain.io challenges with basic",
    ]);
  });

  it("logs each exchange with method, redacted URL, how, scope count, status and time, then the token's life", async () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const send = fakeSend((r) => {
      clock.advance(25);
      return r.url.includes("b%3Apull")
        ? { body: tokenBody("t2", { expires_in: 120 }) }
        : { body: tokenBody("t1") };
    });
    const auth = createAuthenticator({
      send,
      now: clock.now,
      log: (l) => lines.push(l),
      credentials: staticCredentials({ username: "alice", password: "pw-Sekr1t" }, "r.io"),
    });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token",service="r.io"');
    auth.learn("anon.io", 'Bearer realm="https://auth.anon.io/token"');
    auth.learn("none.io", 'Bearer realm="https://auth.none.io/token"');
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    await auth.authorization({ registry: "anon.io", scopes: [...pull("a"), ...pull("b")] });
    await auth.authorization({ registry: "none.io", scopes: [] });
    expect(lines.slice(3)).toEqual([
      "auth: GET https://auth.r.io/token?service=r.io&scope=repository%3Aa%3Apull (basic, 1 scope) -> 200 in 25 ms",
      "auth: r.io token valid for 60 s",
      "auth: GET https://auth.anon.io/token?scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull (anonymous, 2 scopes) -> 200 in 25 ms",
      "auth: anon.io token valid for 120 s",
      "auth: GET https://auth.none.io/token (anonymous, 0 scopes) -> 200 in 25 ms",
      "auth: none.io token valid for 60 s",
    ]);
    expect(lines.join("\n")).not.toContain("pw-Sekr1t");
  });

  it("says when a token endpoint has no OAuth2 POST and GET is used instead", async () => {
    const lines: string[] = [];
    const send = fakeSend((r) => (r.method === "POST" ? { status: 405 } : { body: tokenBody("t") }));
    const auth = createAuthenticator({
      send,
      log: (l) => lines.push(l),
      credentials: staticCredentials({ identityToken: "idt-9f8e7d6c5b4a" }),
    });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token"');
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    expect(lines.map((l) => l.replace(/ in \d+ ms$/, ""))).toEqual([
      "auth: r.io challenges with bearer realm=https://auth.r.io/token",
      "auth: POST https://auth.r.io/token (grant_type=refresh_token, 1 scope) -> 405",
      "auth: r.io token endpoint has no OAuth2 POST (405), using GET",
      "auth: GET https://auth.r.io/token?scope=repository%3Aa%3Apull (anonymous, 1 scope) -> 200",
      "auth: r.io token valid for 60 s",
    ]);
  });

  it("scrubs a secret out of a line it is handed (a realm query holding the password)", () => {
    const lines: string[] = [];
    const secrets = new SecretSet().add("pw-In-Query-77");
    const auth = createAuthenticator({ send: fakeSend(() => ({})), log: (l) => lines.push(l), secrets });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token",service="pw-In-Query-77"');
    expect(lines).toEqual([
      "auth: r.io challenges with bearer realm=https://auth.r.io/token service=REDACTED",
    ]);
  });
});

describe("refreshSkewMs", () => {
  it("replaces a token this long before it expires", async () => {
    const clock = fakeClock();
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`, { expires_in: 300 }) }));
    const auth = createAuthenticator({ send, now: clock.now, refreshSkewMs: 60_000 });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token"');
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer t1");
    clock.advance(239_000); // 61 s left
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer t1");
    clock.advance(1_000); // 60 s left: inside the skew
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer t2");
  });
});

describe("the secrets the authenticator records", () => {
  it("adds the password, its Basic value, identity and registry tokens and every issued and refresh token", async () => {
    const secrets = new SecretSet();
    const send = fakeSend(() => ({
      body: JSON.stringify({ access_token: "jwt-Issued-1", refresh_token: "rft-2" }),
    }));
    const auth = createAuthenticator({
      send,
      secrets,
      credentials: staticCredentials({ identityToken: "idt-Refresh-3" }),
    });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token"');
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    const text = "jwt-Issued-1 rft-2 idt-Refresh-3";
    expect(scrubText(text, secrets, { shapes: false })).toBe("REDACTED REDACTED REDACTED");

    const basic = new SecretSet();
    const withPassword = createAuthenticator({
      send: fakeSend(() => ({ body: tokenBody("tok-4") })),
      secrets: basic,
      credentials: staticCredentials({ username: "alice", password: "pw-Five-5" }),
    });
    withPassword.learn("r.io", 'Bearer realm="https://auth.r.io/token"');
    await withPassword.authorization({ registry: "r.io", scopes: pull("a") });
    const value = Buffer.from("alice:pw-Five-5").toString("base64");
    expect(scrubText(`pw-Five-5 ${value} tok-4`, basic, { shapes: false })).toBe(
      "REDACTED REDACTED REDACTED",
    );
  });
});

describe("a refused token is forgotten for its registry only", () => {
  it("keeps the same token cached for another registry that shares the realm", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(n <= 2 ? "shared" : `new${n}`) }));
    const auth = createAuthenticator({ send });
    for (const r of ["a.io", "ab.io"]) auth.learn(r, 'Bearer realm="https://auth.example/token"');
    expect(await auth.authorization({ registry: "a.io", scopes: pull("x") })).toBe("Bearer shared");
    expect(await auth.authorization({ registry: "ab.io", scopes: pull("x") })).toBe("Bearer shared");
    const renewed = await auth.challenge({
      registry: "a.io",
      scopes: pull("x"),
      previous: "Bearer shared",
      wwwAuthenticate: 'Bearer realm="https://auth.example/token",error="invalid_token"',
    });
    expect(renewed).toBe("Bearer new3");
    expect(await auth.authorization({ registry: "ab.io", scopes: pull("x") })).toBe("Bearer shared");
    expect(send.requests).toHaveLength(3);
  });
});
