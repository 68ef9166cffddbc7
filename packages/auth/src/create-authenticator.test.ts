import { AuthenticationError, ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { anonymous, type StaticCredential, staticCredentials } from "./static-credentials.js";
import { b64, fakeSend, tokenBody } from "./test-helpers.js";
import type { AuthHttpRequest } from "./types.js";

const pull = (repo: string) => [repositoryScope(repo)];
const pullPush = (repo: string) => [repositoryScope(repo, ["pull", "push"])];
const query = (r: AuthHttpRequest) => new URL(r.url).searchParams;
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
      auth.challenge({
        registry: "r.io",
        scopes: [],
        wwwAuthenticate: "Basic realm=x",
        ...(first !== undefined ? { previous: first } : {}),
      }),
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
