import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { fakeClock, fakeSend, tokenBody } from "./test-helpers.js";
import type { AuthHttpRequest, Credential, CredentialProvider, Scope } from "./types.js";

// How credentials and tokens are keyed and shared (mutation testing found these unsaid; docs/testing.md).

const repo = (name: string, ...actions: string[]) =>
  repositoryScope(name, actions.length ? actions : ["pull"]);
const scopesOf = (r: AuthHttpRequest) => new URL(r.url).searchParams.getAll("scope");
const catalog: Scope = { type: "registry", name: "catalog", actions: ["*"] };

describe("credential lookups", () => {
  const recording = (answers: Array<() => Promise<Credential | undefined>>) => {
    const calls: string[] = [];
    const provider: CredentialProvider = {
      get(registry, repository) {
        calls.push(`${registry} ${repository ?? "-"}`);
        return (answers.shift() ?? (() => Promise.resolve({ username: "u", password: "p" })))();
      },
    };
    return { provider, calls };
  };

  it("ask once per registry and repository, naming the first repository scope", async () => {
    const { provider, calls } = recording([]);
    const auth = createAuthenticator({ send: fakeSend(() => ({})), credentials: provider });
    auth.learn("r.io", "Basic realm=r");
    await auth.authorization({ registry: "r.io", scopes: [catalog, repo("a"), repo("b")] });
    await auth.authorization({ registry: "r.io", scopes: [repo("a", "push")] });
    await auth.authorization({ registry: "r.io", scopes: [repo("b")] });
    await auth.authorization({ registry: "r.io", scopes: [catalog] });
    await auth.authorization({ registry: "r.io", scopes: [] });
    expect(calls).toEqual(["r.io a", "r.io b", "r.io -"]);
  });

  it("ask again after a lookup failed, instead of remembering the failure", async () => {
    const { provider, calls } = recording([() => Promise.reject(new Error("helper crashed"))]);
    const auth = createAuthenticator({ send: fakeSend(() => ({})), credentials: provider });
    auth.learn("r.io", "Basic realm=r");
    await expect(auth.authorization({ registry: "r.io", scopes: [repo("a")] })).rejects.toThrow(
      "helper crashed",
    );
    expect(await auth.authorization({ registry: "r.io", scopes: [repo("a")] })).toMatch(/^Basic /);
    expect(calls).toEqual(["r.io a", "r.io a"]);
  });
});

describe("the token cache", () => {
  it("keeps tokens of another service or realm of the same registry apart", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`) }));
    const auth = createAuthenticator({ send });
    const get = () => auth.authorization({ registry: "r.io", scopes: [repo("a")] });
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="one"');
    expect(await get()).toBe("Bearer t1");
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="two"');
    expect(await get()).toBe("Bearer t2");
    auth.learn("r.io", 'Bearer realm="https://other.r.io/token",service="two"');
    expect(await get()).toBe("Bearer t3");
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="one"');
    expect(await get()).toBe("Bearer t1");
  });

  it("does not join an in-flight request that does not cover the scopes wanted", async () => {
    const send = fakeSend(async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { body: tokenBody(`for-${scopesOf(r).join("+")}`) };
    });
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    const [a, b] = await Promise.all([
      auth.authorization({ registry: "r.io", scopes: [repo("a")] }),
      auth.authorization({ registry: "r.io", scopes: [repo("b")] }),
    ]);
    expect(a).toBe("Bearer for-repository:a:pull");
    expect(b).toBe("Bearer for-repository:b:pull");
    expect(send.requests).toHaveLength(2);
  });

  it("forgets only the refused token, keeping the registry's others", async () => {
    const send = fakeSend((r, n) => ({ body: tokenBody(`t${n}-${scopesOf(r)[0]}`) }));
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    const a = await auth.authorization({ registry: "r.io", scopes: [repo("a")] });
    const b = await auth.authorization({ registry: "r.io", scopes: [repo("b")] });
    await auth.challenge({
      registry: "r.io",
      scopes: [repo("a")],
      previous: a!,
      wwwAuthenticate: 'Bearer realm="https://r.io/token",error="invalid_token"',
    });
    expect(await auth.authorization({ registry: "r.io", scopes: [repo("b")] })).toBe(b);
    expect(send.requests).toHaveLength(3);
  });

  it("drops expired tokens when a new one arrives, so they no longer widen later requests", async () => {
    const clock = fakeClock();
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`, { expires_in: 60 }) }));
    const auth = createAuthenticator({ send, now: clock.now });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    await auth.authorization({ registry: "r.io", scopes: [repo("b")] });
    clock.advance(120_000); // b's token has expired
    await auth.authorization({ registry: "r.io", scopes: [repo("a")] }); // a new token: b's is dropped
    await auth.authorization({ registry: "r.io", scopes: [repo("b", "push")] });
    expect(scopesOf(send.requests[2]!)).toEqual(["repository:b:push"]);
  });

  it("drops a token from the moment it is no longer used: its expiry minus the refresh skew", async () => {
    const clock = fakeClock();
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`, { expires_in: 60 }) }));
    const auth = createAuthenticator({ send, now: clock.now, refreshSkewMs: 10_000 });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    await auth.authorization({ registry: "r.io", scopes: [repo("b")] });
    clock.advance(50_000); // exactly 60 s - 10 s: b's token is no longer used, and goes with the next token stored
    await auth.authorization({ registry: "r.io", scopes: [repo("a")] });
    await auth.authorization({ registry: "r.io", scopes: [repo("b", "push")] });
    expect(scopesOf(send.requests[2]!)).toEqual(["repository:b:push"]);
  });

  it("names every scope of a token handed back after it was refused", async () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({ body: tokenBody("same") })) });
    const error = await auth
      .challenge({
        registry: "r.io",
        scopes: [repo("a"), repo("b")],
        wwwAuthenticate: 'Bearer realm="https://r.io/t"',
        previous: "Bearer same",
      })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain("refused the token for repository:a:pull repository:b:pull");
  });
});
