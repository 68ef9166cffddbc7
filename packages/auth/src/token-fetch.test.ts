/**
 * One request to a token realm (token-fetch.ts), through the authenticator: the OAuth2 POST flow and its GET
 * fallback, the realm checked before any credential goes to it, and the errors a token endpoint's answer becomes.
 */
import { AuthenticationError, AuthorizationError, ProtocolError, RegistryError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { type StaticCredential, staticCredentials } from "./static-credentials.js";
import { b64, fakeSend, tokenBody } from "./test-helpers.js";
import type { AuthHttpRequest } from "./types.js";

const pull = (repo: string) => [repositoryScope(repo)];
const pullPush = (repo: string) => [repositoryScope(repo, ["pull", "push"])];
const form = (r: AuthHttpRequest) => Object.fromEntries(new URLSearchParams(r.body ?? ""));
const creds = (c: StaticCredential) => staticCredentials(c);

describe("OAuth2 POST flow", () => {
  const learn = (auth: ReturnType<typeof createAuthenticator>) =>
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token",service="r.io"');

  it("an identity token is exchanged with grant_type=refresh_token", async () => {
    const send = fakeSend(() => ({ body: JSON.stringify({ access_token: "oauth-t", expires_in: 900 }) }));
    const auth = createAuthenticator({
      send,
      credentials: creds({ identityToken: "idt" }),
      clientId: "my-client",
    });
    learn(auth);
    expect(await auth.authorization({ registry: "r.io", scopes: [...pull("a"), ...pullPush("b")] })).toBe(
      "Bearer oauth-t",
    );
    const request = send.requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://auth.r.io/token");
    expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request.headers.authorization).toBeUndefined();
    expect(form(request)).toEqual({
      grant_type: "refresh_token",
      refresh_token: "idt",
      service: "r.io",
      client_id: "my-client",
      scope: "repository:a:pull repository:b:pull,push",
    });
  });

  it("an OAuth2 refusal (invalid_grant) is an authentication error with the server's reason, scrubbed, and a login hint", async () => {
    const send = fakeSend(() => ({
      status: 400,
      body: JSON.stringify({
        error: "invalid_grant",
        error_description: "refresh token idt-secret-1 is expired",
      }),
    }));
    const auth = createAuthenticator({ send, credentials: creds({ identityToken: "idt-secret-1" }) });
    learn(auth);
    const error = await auth.authorization({ registry: "r.io", scopes: pull("a") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe("TOKEN_REFUSED");
    expect((error as AuthenticationError).status).toBe(400);
    expect((error as AuthenticationError).summary).toBe(
      "fetch token from https://auth.r.io/token: the token server refused the saved identity token (invalid_grant: refresh token REDACTED is expired)",
    );
    expect((error as AuthenticationError).hint).toBe("log in again: regatta login r.io");
  });

  it('oauth "always" uses grant_type=password with a username and password', async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({
      send,
      credentials: creds({ username: "u", password: "p" }),
      oauth: "always",
    });
    learn(auth);
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    expect(form(send.requests[0]!)).toEqual({
      grant_type: "password",
      username: "u",
      password: "p",
      service: "r.io",
      client_id: "regatta",
      scope: "repository:a:pull",
    });
  });

  it.each([404, 405])("a POST answered %i falls back to GET", async (status) => {
    const send = fakeSend((r) => (r.method === "POST" ? { status } : { body: tokenBody("from-get") }));
    const auth = createAuthenticator({
      send,
      credentials: creds({ username: "u", password: "p" }),
      oauth: "always",
    });
    learn(auth);
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer from-get");
    expect(send.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(send.requests[1]?.headers.authorization).toBe(`Basic ${b64("u:p")}`);
  });

  it('oauth "never" uses GET even with an identity token (anonymous, it has no password)', async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ identityToken: "idt" }), oauth: "never" });
    learn(auth);
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    expect(send.requests[0]?.method).toBe("GET");
    expect(send.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('oauth "auto" with a password uses GET', async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p" }) });
    learn(auth);
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    expect(send.requests[0]?.method).toBe("GET");
  });
});

describe("realm validation", () => {
  it.each([
    ["http realm for a public registry", "ghcr.io", 'Bearer realm="http://ghcr.io/token"', false],
    ["ftp realm", "ghcr.io", 'Bearer realm="ftp://ghcr.io/token"', false],
    ["relative realm", "ghcr.io", 'Bearer realm="/token"', false],
    ["userinfo in the realm", "ghcr.io", 'Bearer realm="https://a:b@ghcr.io/token"', false],
    ["link-local metadata address", "ghcr.io", 'Bearer realm="https://169.254.169.254/latest"', false],
    [
      "http realm for a loopback registry",
      "localhost:5000",
      'Bearer realm="http://localhost:5001/token"',
      true,
    ],
    ["http realm for 127.0.0.1", "127.0.0.1:5000", 'Bearer realm="http://127.0.0.1:5000/token"', true],
    [
      "https realm on another host",
      "registry.example.com",
      'Bearer realm="https://auth.example.com/token"',
      true,
    ],
  ])("%s", async (_name, registry, header, allowed) => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "realm-pw" }) });
    auth.learn(registry, header);
    const result = auth.authorization({ registry, scopes: pull("a") });
    if (allowed) {
      expect(await result).toBe("Bearer t");
    } else {
      const error = await result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).code).toBe("INVALID_REALM");
      expect(send.requests).toHaveLength(0);
    }
  });

  it("allowHttpRealm lets the caller mark a registry insecure", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, allowHttpRealm: (r) => r === "10.0.0.5:5000" });
    auth.learn("10.0.0.5:5000", 'Bearer realm="http://10.0.0.5:5001/token"');
    expect(await auth.authorization({ registry: "10.0.0.5:5000", scopes: [] })).toBe("Bearer t");
  });

  it("an http realm on another host needs that host's own say-so: the registry's is not enough", async () => {
    for (const [realm, allowed] of [
      ["http://192.0.2.2:1/token", false],
      ["http://[fd00::2]:1/token", false],
      ["http://127.0.0.1:5001/token", true],
      ["http://10.0.0.9/token", true],
    ] as const) {
      const send = fakeSend(() => ({ body: tokenBody("t") }));
      const insecure = new Set(["127.0.0.1:5000", "10.0.0.9"]);
      const auth = createAuthenticator({
        send,
        credentials: creds({ username: "u", password: "realm-pw" }),
        allowHttpRealm: (host) => insecure.has(host),
      });
      auth.learn("127.0.0.1:5000", `Bearer realm="${realm}"`);
      const result = auth.authorization({ registry: "127.0.0.1:5000", scopes: pull("a") });
      if (allowed) expect(await result).toBe("Bearer t");
      else {
        expect(((await result.catch((e: unknown) => e)) as AuthenticationError).code).toBe("INVALID_REALM");
        expect(send.requests).toHaveLength(0);
      }
    }
  });
});

describe("token endpoint errors", () => {
  const run = async (status: number, body: string, credential?: StaticCredential) => {
    const send = fakeSend(() => ({ status, body }));
    const auth = createAuthenticator({ send, ...(credential ? { credentials: creds(credential) } : {}) });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token?secret_param=hide-me",service="r.io"');
    return auth.authorization({ registry: "r.io", scopes: pull("a") }).then(
      (header): Error => new Error(`expected a rejection, got ${header}`),
      (e: unknown) => e as Error,
    );
  };

  it("401 with credentials: AuthenticationError with the hint and the redacted realm", async () => {
    const error = await run(401, '{"details":"incorrect username or password"}', {
      username: "u",
      password: "bad-pw",
    });
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("fetch token from https://auth.r.io/token");
    expect(error.message).toContain("check the username and password");
    expect(error.message).not.toContain("hide-me");
    expect(error.message).not.toContain("bad-pw");
  });

  it("401 anonymous: says credentials are needed", async () => {
    const error = await run(401, "");
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("registry r.io requires a username and password");
  });

  it("403: AuthorizationError", async () => {
    expect(await run(403, "", { username: "u", password: "p" })).toBeInstanceOf(AuthorizationError);
  });

  it("500: a retryable RegistryError with context", async () => {
    const error = await run(503, "");
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).retryable).toBe(true);
    expect(error.message).toMatch(/^fetch token from https:\/\/auth\.r\.io\/token: 503/);
  });

  it.each([
    ["not JSON", "<html>oops</html>"],
    ["no token", '{"expires_in":300}'],
    ["not an object", '"token"'],
  ])("200 with %s: ProtocolError that does not quote the body", async (_name, body) => {
    const error = await run(200, body);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).not.toContain("oops");
  });

  it("a token server echoing the password does not leak it into the error", async () => {
    const error = await run(400, '{"errors":[{"code":"DENIED","message":"bad password echo-pw-123"}]}', {
      username: "u",
      password: "echo-pw-123",
    });
    expect(error.message).not.toContain("echo-pw-123");
    expect(JSON.stringify(error)).not.toContain("echo-pw-123");
  });
});

describe("a realm refused by address, however it is spelt", () => {
  /** What the transport rejects a request with when the name resolved to a forbidden address (map-error.ts). */
  const forbidden = (url: string) =>
    new ProtocolError(`token request: refusing to connect to ${new URL(url).hostname} (GET ${url})`, {
      code: "FORBIDDEN_ADDRESS",
      request: { method: "GET", url },
      cause: new Error(`refusing to connect to ${new URL(url).hostname} (169.254.169.254): it is forbidden`),
    });

  it("a name resolving to a forbidden address is INVALID_REALM, as the address written out is", async () => {
    const codes: unknown[] = [];
    for (const realm of ["https://169.254.169.254/token", "https://meta.test/token"]) {
      const send = fakeSend((request) => {
        throw forbidden(request.url);
      });
      const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p" }) });
      auth.learn("r.io", `Bearer realm="${realm}"`);
      const error = await auth
        .authorization({ registry: "r.io", scopes: pull("a") })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toContain(`refusing the token realm ${realm} of registry r.io: `);
      codes.push((error as AuthenticationError).code);
    }
    expect(codes).toEqual(["INVALID_REALM", "INVALID_REALM"]);
  });

  it("a token endpoint's redirect to a forbidden address stays the transport's refusal", async () => {
    const send = fakeSend(() => {
      throw forbidden("https://meta.test/elsewhere");
    });
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p" }) });
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token"');
    const error = await auth.authorization({ registry: "r.io", scopes: pull("a") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe("FORBIDDEN_ADDRESS");
  });
});
