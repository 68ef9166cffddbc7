/**
 * Tokens held and shared (token-cache.ts), through the authenticator: reuse until shortly before expiry, one request
 * for concurrent callers, widening, and a caller giving up alone.
 */
import { AbortError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { type StaticCredential, staticCredentials } from "./static-credentials.js";
import { fakeClock, fakeSend, tokenBody } from "./test-helpers.js";
import type { AuthHttpRequest } from "./types.js";

const pull = (repo: string) => [repositoryScope(repo)];
const pullPush = (repo: string) => [repositoryScope(repo, ["pull", "push"])];
const query = (r: AuthHttpRequest) => new URL(r.url).searchParams;
const creds = (c: StaticCredential) => staticCredentials(c);

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
      "issued_at further back than the lifetime (a token server's clock behind ours) keeps the 60 s floor",
      { expires_in: 300, issued_at: "2024-12-31T23:34:00Z" },
      49_000,
      51_000,
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
