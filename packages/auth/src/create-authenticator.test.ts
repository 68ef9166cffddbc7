import {
  AbortError,
  AuthenticationError,
  AuthorizationError,
  ProtocolError,
  RegistryError,
} from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { anonymous, type StaticCredential, staticCredentials } from "./static-credentials.js";
import { b64, fakeClock, fakeSend, tokenBody } from "./test-helpers.js";
import type { AuthHttpRequest } from "./types.js";

const pull = (repo: string) => [repositoryScope(repo)];
const pullPush = (repo: string) => [repositoryScope(repo, ["pull", "push"])];
const query = (r: AuthHttpRequest) => new URL(r.url).searchParams;
const form = (r: AuthHttpRequest) => Object.fromEntries(new URLSearchParams(r.body ?? ""));
const creds = (c: StaticCredential) => staticCredentials(c);

describe("registry flavours: learn the challenge, then fetch a token", () => {
  it.each([
    [
      "GHCR",
      "ghcr.io",
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      "user/image",
      "https://ghcr.io/token?service=ghcr.io&scope=repository%3Auser%2Fimage%3Apull",
    ],
    [
      "Docker Hub",
      "docker.io",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      "library/alpine",
      "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull",
    ],
    [
      "Quay",
      "quay.io",
      'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:org/repo:pull"',
      "org/repo",
      "https://quay.io/v2/auth?service=quay.io&scope=repository%3Aorg%2Frepo%3Apull",
    ],
    [
      "Harbor",
      "harbor.example.com",
      'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:library/nginx:pull"',
      "library/nginx",
      "https://harbor.example.com/service/token?service=harbor-registry&scope=repository%3Alibrary%2Fnginx%3Apull",
    ],
    [
      "GAR",
      "us-docker.pkg.dev",
      'Bearer realm="https://us-docker.pkg.dev/v2/token",service="us-docker.pkg.dev",scope="repository:proj/repo/img:pull"',
      "proj/repo/img",
      "https://us-docker.pkg.dev/v2/token?service=us-docker.pkg.dev&scope=repository%3Aproj%2Frepo%2Fimg%3Apull",
    ],
    [
      "realm with its own query",
      "r.example.com",
      'Bearer realm="https://auth.example.com/token?account=me",service="r"',
      "a/b",
      "https://auth.example.com/token?account=me&service=r&scope=repository%3Aa%2Fb%3Apull",
    ],
  ])("%s", async (_name, registry, header, repo, url) => {
    const send = fakeSend(() => ({ body: tokenBody("tok-1") }));
    const auth = createAuthenticator({ send });
    auth.learn(registry, header);
    expect(await auth.authorization({ registry, scopes: pull(repo) })).toBe("Bearer tok-1");
    expect(send.requests).toHaveLength(1);
    expect(send.requests[0]).toMatchObject({ method: "GET", url });
    expect(send.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("ECR: Basic challenge -> Basic header, no token request", async () => {
    const send = fakeSend(() => ({ status: 500 }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "AWS", password: "ecr-pw" }) });
    auth.learn(
      "123.dkr.ecr.us-east-1.amazonaws.com",
      'Basic realm="https://123.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
    );
    const header = await auth.authorization({
      registry: "123.dkr.ecr.us-east-1.amazonaws.com",
      scopes: pull("a"),
    });
    expect(header).toBe(`Basic ${b64("AWS:ecr-pw")}`);
    expect(send.requests).toHaveLength(0);
  });
});

describe("authorization", () => {
  it("is anonymous (undefined) until a challenge is learned", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p" }) });
    expect(await auth.authorization({ registry: "ghcr.io", scopes: pull("a") })).toBeUndefined();
    expect(send.requests).toHaveLength(0);
  });

  it("sends Basic credentials to the realm, each scope its own parameter", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p:w" }) });
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="r.io"');
    await auth.authorization({ registry: "r.io", scopes: [...pull("a"), ...pullPush("b")] });
    const request = send.requests[0]!;
    expect(request.headers.authorization).toBe(`Basic ${b64("u:p:w")}`);
    expect(query(request).getAll("scope")).toEqual(["repository:a:pull", "repository:b:pull,push"]);
    expect(query(request).get("service")).toBe("r.io");
  });

  it("without scopes asks for a token without scope", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    expect(await auth.authorization({ registry: "r.io", scopes: [] })).toBe("Bearer t");
    expect(send.requests[0]?.url).toBe("https://r.io/token");
  });

  it("accepts access_token", async () => {
    const send = fakeSend(() => ({ body: JSON.stringify({ access_token: "acr-token" }) }));
    const auth = createAuthenticator({ send });
    auth.learn("x.azurecr.io", 'Bearer realm="https://x.azurecr.io/oauth2/token",service="x.azurecr.io"');
    expect(await auth.authorization({ registry: "x.azurecr.io", scopes: pull("a") })).toBe(
      "Bearer acr-token",
    );
  });

  it("uses a registry token as is", async () => {
    const send = fakeSend(() => ({ status: 500 }));
    const auth = createAuthenticator({ send, credentials: creds({ registryToken: "rt-1" }) });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer rt-1");
    expect(send.requests).toHaveLength(0);
  });

  it("Basic challenge without credentials: anonymous until the 401, then AuthenticationError", async () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({})), credentials: anonymous() });
    auth.learn("r.io", 'Basic realm="Registry Realm"');
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBeUndefined();
    const error = await auth
      .challenge({ registry: "r.io", scopes: pull("a"), wwwAuthenticate: 'Basic realm="Registry Realm"' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain("registry r.io requires a username and password");
  });

  it("Basic challenge: the same refused header is not tried twice", async () => {
    const auth = createAuthenticator({
      send: fakeSend(() => ({})),
      credentials: creds({ username: "u", password: "p" }),
    });
    const first = await auth.challenge({ registry: "r.io", scopes: [], wwwAuthenticate: "Basic realm=x" });
    expect(first).toBe(`Basic ${b64("u:p")}`);
    await expect(
      auth.challenge({ registry: "r.io", scopes: [], wwwAuthenticate: "Basic realm=x", previous: first }),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("prefers Bearer over Basic when both are offered", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p" }) });
    auth.learn("r.io", 'Basic realm="r", Bearer realm="https://r.io/token",service="r.io"');
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer t");
  });

  it("unsupported scheme: authorization is anonymous, challenge throws", async () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({})) });
    auth.learn("r.io", "Negotiate");
    expect(await auth.authorization({ registry: "r.io", scopes: [] })).toBeUndefined();
    await expect(
      auth.challenge({ registry: "r.io", scopes: [], wwwAuthenticate: "Negotiate" }),
    ).rejects.toThrow(/unsupported authentication scheme "negotiate"/);
  });

  it("malformed or realm-less challenges are ProtocolErrors", () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({})) });
    expect(() => auth.learn("r.io", 'Bearer realm="x')).toThrow(ProtocolError);
    expect(() => auth.learn("r.io", 'Bearer service="x"')).toThrow(ProtocolError);
  });
});

describe("token cache", () => {
  const learnHub = (auth: ReturnType<typeof createAuthenticator>) =>
    auth.learn("docker.io", 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"');

  it("reuses a token until shortly before it expires", async () => {
    const clock = fakeClock();
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`, { expires_in: 300 }) }));
    const auth = createAuthenticator({ send, now: clock.now });
    learnHub(auth);
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("library/a") })).toBe("Bearer t1");
    clock.advance(289_000);
    expect(await auth.authorization({ registry: "index.docker.io", scopes: pull("library/a") })).toBe(
      "Bearer t1",
    );
    clock.advance(2_000); // 291 s: inside the 10 s skew
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("library/a") })).toBe("Bearer t2");
    expect(send.requests).toHaveLength(2);
  });

  it.each([
    ["no expires_in: 60 s", {}, 49_000, 51_000],
    ["expires_in below 60 is raised to 60", { expires_in: 5 }, 49_000, 51_000],
    [
      "issued_at in the past shortens the life",
      { expires_in: 300, issued_at: "2024-12-31T23:59:00Z" },
      229_000,
      231_000,
    ],
    [
      "issued_at in the future does not lengthen it",
      { expires_in: 300, issued_at: "2025-01-01T01:00:00Z" },
      289_000,
      291_000,
    ],
  ])("%s", async (_name, extra, stillValid, expired) => {
    const clock = fakeClock(Date.parse("2025-01-01T00:00:00Z"));
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`, extra) }));
    const auth = createAuthenticator({ send, now: clock.now });
    learnHub(auth);
    await auth.authorization({ registry: "docker.io", scopes: pull("a") });
    clock.advance(stillValid);
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("a") })).toBe("Bearer t1");
    clock.advance(expired - stillValid);
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("a") })).toBe("Bearer t2");
  });

  it("20 concurrent calls for the same scopes make one token request", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const send = fakeSend(async () => {
      await gate;
      return { body: tokenBody("shared") };
    });
    const auth = createAuthenticator({ send, credentials: creds({ username: "u", password: "p" }) });
    learnHub(auth);
    const calls = Array.from({ length: 20 }, () =>
      auth.authorization({ registry: "docker.io", scopes: pull("a") }),
    );
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect(new Set(await Promise.all(calls))).toEqual(new Set(["Bearer shared"]));
    expect(send.requests).toHaveLength(1);
  });

  it("a pull request during an in-flight pull,push request waits for it", async () => {
    const send = fakeSend(async () => ({ body: tokenBody("wide") }));
    const auth = createAuthenticator({ send });
    learnHub(auth);
    const [a, b] = await Promise.all([
      auth.authorization({ registry: "docker.io", scopes: pullPush("a") }),
      auth.authorization({ registry: "docker.io", scopes: pull("a") }),
    ]);
    expect([a, b]).toEqual(["Bearer wide", "Bearer wide"]);
    expect(send.requests).toHaveLength(1);
  });

  it("different scopes, services or registries are cached apart", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`) }));
    const auth = createAuthenticator({ send });
    learnHub(auth);
    auth.learn("ghcr.io", 'Bearer realm="https://ghcr.io/token",service="ghcr.io"');
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("a") })).toBe("Bearer t1");
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("b") })).toBe("Bearer t2");
    expect(await auth.authorization({ registry: "ghcr.io", scopes: pull("a") })).toBe("Bearer t3");
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("a") })).toBe("Bearer t1");
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("b") })).toBe("Bearer t2");
    expect(send.requests).toHaveLength(3);
  });

  it("widens: pull,push after pull asks for the union, which then serves pull", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`) }));
    const auth = createAuthenticator({ send });
    learnHub(auth);
    await auth.authorization({ registry: "docker.io", scopes: pull("a") });
    expect(
      await auth.authorization({ registry: "docker.io", scopes: [repositoryScope("a", ["push"])] }),
    ).toBe("Bearer t2");
    expect(query(send.requests[1]!).getAll("scope")).toEqual(["repository:a:pull,push"]);
    expect(await auth.authorization({ registry: "docker.io", scopes: pull("a") })).toBe("Bearer t2");
    expect(send.requests).toHaveLength(2);
  });

  it("an aborted caller rejects with AbortError without failing the others", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const send = fakeSend(async () => {
      await gate;
      return { body: tokenBody("t") };
    });
    const auth = createAuthenticator({ send });
    learnHub(auth);
    const controller = new AbortController();
    const aborted = auth.authorization({
      registry: "docker.io",
      scopes: pull("a"),
      signal: controller.signal,
    });
    const other = auth.authorization({ registry: "docker.io", scopes: pull("a") });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    release();
    expect(await other).toBe("Bearer t");
  });
});

describe("challenge after a 401", () => {
  it("insufficient_scope: merges the challenge's scope, drops the refused token, returns a new one", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`) }));
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="r.io"');
    const first = await auth.authorization({ registry: "r.io", scopes: pull("a") });
    const header = await auth.challenge({
      registry: "r.io",
      scopes: pull("a"),
      previous: first!,
      wwwAuthenticate:
        'Bearer realm="https://r.io/token",service="r.io",scope="repository:b:pull repository:a:push",error="insufficient_scope"',
    });
    expect(header).toBe("Bearer t2");
    expect(query(send.requests[1]!).getAll("scope")).toEqual(["repository:b:pull", "repository:a:pull,push"]);
    // The refused token is gone; the new one serves the wider set.
    expect(await auth.authorization({ registry: "r.io", scopes: pull("a") })).toBe("Bearer t2");
    expect(send.requests).toHaveLength(2);
  });

  it("an expired/invalid token is replaced even with the same scopes", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`) }));
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    await auth.authorization({ registry: "r.io", scopes: pull("a") });
    const header = await auth.challenge({
      registry: "r.io",
      scopes: pull("a"),
      previous: "Bearer t1",
      wwwAuthenticate: 'Bearer realm="https://r.io/token",error="invalid_token"',
    });
    expect(header).toBe("Bearer t2");
  });

  it("throws when the token server hands back the refused token", async () => {
    const send = fakeSend(() => ({ body: tokenBody("same") }));
    const auth = createAuthenticator({ send });
    const wwwAuthenticate =
      'Bearer realm="https://r.io/token",scope="repository:a:push",error="insufficient_scope"';
    const first = await auth.challenge({ registry: "r.io", scopes: pull("a"), wwwAuthenticate });
    expect(first).toBe("Bearer same");
    await expect(
      auth.challenge({ registry: "r.io", scopes: pull("a"), wwwAuthenticate, previous: first! }),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("a registry token that was refused is not retried", async () => {
    const auth = createAuthenticator({
      send: fakeSend(() => ({})),
      credentials: creds({ registryToken: "rt" }),
    });
    await expect(
      auth.challenge({
        registry: "r.io",
        scopes: [],
        wwwAuthenticate: 'Bearer realm="https://r.io/t"',
        previous: "Bearer rt",
      }),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });
});

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

describe("describe", () => {
  it("reports scheme, username, realm and service, never secrets", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "alice", password: "pw-xyz" }) });
    expect(auth.describe("ghcr.io")).toEqual({ registry: "ghcr.io", scheme: "none" });
    auth.learn("ghcr.io", 'Bearer realm="https://ghcr.io/token",service="ghcr.io"');
    await auth.authorization({ registry: "ghcr.io", scopes: pull("a") });
    const description = auth.describe("ghcr.io");
    expect(description).toEqual({
      registry: "ghcr.io",
      scheme: "bearer",
      username: "alice",
      realm: "https://ghcr.io/token",
      service: "ghcr.io",
    });
    expect(JSON.stringify(description)).not.toContain("pw-xyz");
    auth.learn("index.docker.io", 'Basic realm="x"');
    expect(auth.describe("docker.io").scheme).toBe("basic");
  });
});
