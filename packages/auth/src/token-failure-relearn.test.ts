/**
 * A failed token request forgets the registry's challenge (challenge-state.ts `forget`): a long-lived client (library
 * `connect()`, the REPL) must not fail every later call without asking the registry, after one token-server outage
 * or one refused realm. The next call goes without credentials and learns the challenge from the registry's 401.
 */
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";
import type { Authenticator } from "./types.js";

const scopes = [repositoryScope("team/app")];
const credentials = staticCredentials({ username: "alice", password: "pw-relearn-1" });

/**
 * One registry call as transport's auth concern makes it: the header `authorization()` gives, and on the registry's
 * 401 the header `challenge()` gives. `registry` answers a header with the challenge it refuses it with, or
 * undefined when it accepts it. Returns the headers the registry saw.
 */
async function call(
  auth: Authenticator,
  registry: (authorization: string | undefined) => string | undefined,
): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  const previous = await auth.authorization({ registry: "r.test", scopes });
  seen.push(previous);
  const wwwAuthenticate = registry(previous);
  if (wwwAuthenticate === undefined) return seen;
  const retry = await auth.challenge({
    registry: "r.test",
    scopes,
    wwwAuthenticate,
    ...(previous ? { previous } : {}),
  });
  seen.push(retry);
  if (registry(retry) !== undefined) throw new Error("refused again");
  return seen;
}

const bearer = (realm: string) => `Bearer realm="${realm}",service="r.test"`;
/** A registry that accepts `Bearer good` and challenges anything else with `challenge()`. */
const tokenRegistry = (challenge: () => string) => (authorization: string | undefined) =>
  authorization === "Bearer good" ? undefined : challenge();

describe("after a failed token request", () => {
  it("a token server down for one call and up for the next: the next call asks the registry again and succeeds", async () => {
    let up = false;
    const send = fakeSend(() => {
      if (!up) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      return { body: tokenBody("good") };
    });
    const auth = createAuthenticator({ send, credentials });
    const registry = tokenRegistry(() => bearer("https://auth.r.test/token"));
    await expect(call(auth, registry)).rejects.toThrow("ECONNREFUSED");
    up = true;
    // Nothing learnt any more: the first request goes without credentials, its 401 teaches the challenge again.
    expect(await call(auth, registry)).toEqual([undefined, "Bearer good"]);
    expect(send.requests).toHaveLength(2);
  });

  it("a registry that changed its challenge meanwhile is asked, not the realm that failed", async () => {
    const send = fakeSend((request) => {
      if (request.url.startsWith("https://down.r.test/")) throw new Error("connect ECONNREFUSED");
      return { body: tokenBody("good") };
    });
    const auth = createAuthenticator({ send, credentials });
    let realm = "https://down.r.test/token";
    await expect(
      call(
        auth,
        tokenRegistry(() => bearer(realm)),
      ),
    ).rejects.toThrow("ECONNREFUSED");
    realm = "https://up.r.test/token";
    expect(
      await call(
        auth,
        tokenRegistry(() => bearer(realm)),
      ),
    ).toEqual([undefined, "Bearer good"]);
    expect(send.requests.map((r) => new URL(r.url).host)).toEqual(["down.r.test", "up.r.test"]);
    // A registry back on Basic gets the password, not another token request.
    const basic = (authorization: string | undefined) =>
      authorization?.startsWith("Basic ") ? undefined : 'Basic realm="r.test"';
    // The registry now refuses the token it accepted and names the realm that is down, then goes back to Basic.
    await expect(call(auth, () => bearer("https://down.r.test/token"))).rejects.toThrow("ECONNREFUSED");
    const seen = await call(auth, basic);
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toMatch(/^Basic /);
    expect(send.requests).toHaveLength(3);
  });

  it("a refused realm is forgotten too: the registry's next challenge is used", async () => {
    const send = fakeSend(() => ({ body: tokenBody("good") }));
    const auth = createAuthenticator({ send, credentials });
    let realm = "https://169.254.169.254/latest/meta-data/";
    await expect(
      call(
        auth,
        tokenRegistry(() => bearer(realm)),
      ),
    ).rejects.toMatchObject({
      code: "INVALID_REALM",
    });
    realm = "https://auth.r.test/token";
    expect(
      await call(
        auth,
        tokenRegistry(() => bearer(realm)),
      ),
    ).toEqual([undefined, "Bearer good"]);
    expect(send.requests.map((r) => new URL(r.url).host)).toEqual(["auth.r.test"]);
  });

  it("keeps a challenge learnt while the failed request was in flight", async () => {
    let fail!: (error: Error) => void;
    const send = fakeSend((request) =>
      request.url.startsWith("https://slow.r.test/")
        ? new Promise((_, reject) => {
            fail = reject;
          })
        : { body: tokenBody("good") },
    );
    const auth = createAuthenticator({ send, credentials });
    auth.learn("r.test", bearer("https://slow.r.test/token"));
    const failing = auth.authorization({ registry: "r.test", scopes });
    await new Promise((resolve) => setImmediate(resolve));
    auth.learn("r.test", bearer("https://auth.r.test/token"));
    fail(new Error("connect ECONNREFUSED"));
    await expect(failing).rejects.toThrow("ECONNREFUSED");
    expect(auth.describe("r.test").realm).toBe("https://auth.r.test/token");
    expect(await auth.authorization({ registry: "r.test", scopes })).toBe("Bearer good");
  });

  it("a token request that succeeds keeps the challenge: later calls carry a token from the start", async () => {
    const send = fakeSend(() => ({ body: tokenBody("good") }));
    const auth = createAuthenticator({ send, credentials });
    const registry = tokenRegistry(() => bearer("https://auth.r.test/token"));
    expect(await call(auth, registry)).toEqual([undefined, "Bearer good"]);
    expect(await call(auth, registry)).toEqual(["Bearer good"]);
    expect(send.requests).toHaveLength(1);
  });
});
