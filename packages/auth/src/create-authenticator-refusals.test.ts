import { AuthenticationError, ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { anonymous, staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

// What challenge() refuses and what its errors carry (mutation testing found these unsaid; docs/testing.md).

const pull = [repositoryScope("team/api")];
const caught = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as AuthenticationError;
  }
  throw new Error("expected a refusal");
};

describe("challenge(): a registry token", () => {
  it("is answered as is the first time, and refused when the registry already refused it", async () => {
    const auth = createAuthenticator({
      send: fakeSend(() => ({})),
      credentials: staticCredentials({ registryToken: "rt" }),
    });
    const ask = (previous?: string) =>
      auth.challenge({
        registry: "r.io",
        scopes: pull,
        wwwAuthenticate: 'Bearer realm="https://r.io/t"',
        ...(previous ? { previous } : {}),
      });
    expect(await ask()).toBe("Bearer rt");
    expect(await ask("Bearer other")).toBe("Bearer rt");
    const error = await caught(ask("Bearer rt"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("registry r.io refused the registry token");
    expect(error).toMatchObject({
      status: 401,
      access: { registry: "r.io", repository: "team/api", credentials: "bearer" },
    });
  });
});

describe("challenge(): Basic", () => {
  it("without credentials: an AuthenticationError with status, access facts and a hint", async () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({})), credentials: anonymous() });
    const error = await caught(
      auth.challenge({ registry: "r.io", scopes: pull, wwwAuthenticate: "Basic realm=r" }),
    );
    expect(error.message).toContain("registry r.io requires a username and password");
    expect(error).toMatchObject({
      status: 401,
      access: { registry: "r.io", repository: "team/api", operation: "pull", credentials: "none" },
    });
    expect(error.hint).toEqual(expect.any(String));
    expect(error.hint?.length).toBeGreaterThan(0);
  });

  it("the same refused username and password: says which credentials were refused", async () => {
    const auth = createAuthenticator({
      send: fakeSend(() => ({})),
      credentials: staticCredentials({ username: "alice", password: "pw" }),
    });
    const first = await auth.challenge({ registry: "r.io", scopes: pull, wwwAuthenticate: "Basic realm=r" });
    const error = await caught(
      auth.challenge({ registry: "r.io", scopes: pull, wwwAuthenticate: "Basic realm=r", previous: first! }),
    );
    expect(error.message).toContain("registry r.io refused the username and password");
    expect(error).toMatchObject({ status: 401, access: { credentials: "basic", username: "alice" } });
  });
});

describe("challenge(): other schemes and Bearer", () => {
  it("an unsupported scheme is a 401 AuthenticationError", async () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({})) });
    const error = await caught(
      auth.challenge({ registry: "r.io", scopes: [], wwwAuthenticate: "Negotiate abc==" }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.status).toBe(401);
  });

  it("a realm-less Bearer challenge behind another scheme is still refused", () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({})) });
    expect(() => auth.learn("r.io", 'Negotiate abc==, Bearer service="r.io"')).toThrow(ProtocolError);
  });

  it("names the scopes of a token handed back after it was refused, or says there were none", async () => {
    const auth = createAuthenticator({ send: fakeSend(() => ({ body: tokenBody("same") })) });
    const refusedFor = (scopes: typeof pull) =>
      caught(
        auth.challenge({
          registry: "r.io",
          scopes,
          wwwAuthenticate: 'Bearer realm="https://r.io/t"',
          previous: "Bearer same",
        }),
      );
    expect((await refusedFor(pull)).message).toContain(
      "registry r.io refused the token for repository:team/api:pull",
    );
    expect((await refusedFor([])).message).toContain("registry r.io refused the token for (no scope)");
  });

  it("forgets only a refused Bearer token, not one that merely ends like another header", async () => {
    const send = fakeSend((_r, n) => ({ body: tokenBody(`t${n}`) }));
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/t"');
    expect(await auth.authorization({ registry: "r.io", scopes: pull })).toBe("Bearer t1");
    const header = await auth.challenge({
      registry: "r.io",
      scopes: pull,
      wwwAuthenticate: 'Bearer realm="https://r.io/t"',
      previous: "Basic xt1",
    });
    expect(header).toBe("Bearer t1");
    expect(send.requests).toHaveLength(1);
  });
});
