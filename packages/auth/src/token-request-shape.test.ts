import { AuthenticationError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

// The exact shape of token requests and of the anonymous 401 (mutation testing found these unsaid; docs/testing.md).

const form = (body: string | undefined) => Object.fromEntries(new URLSearchParams(body ?? ""));

describe("token requests", () => {
  it("an OAuth2 POST answered 200 is the answer: no GET follows; without service or scopes those fields are left out", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: staticCredentials({ identityToken: "idt" }) });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    expect(await auth.authorization({ registry: "r.io", scopes: [] })).toBe("Bearer t");
    expect(send.requests).toHaveLength(1);
    expect(send.requests[0]?.headers).toEqual({
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    });
    expect(form(send.requests[0]?.body)).toEqual({
      grant_type: "refresh_token",
      refresh_token: "idt",
      client_id: "regatta",
    });
  });

  it("an anonymous GET asks for JSON and carries no authorization header at all", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send });
    auth.learn("r.io", 'Bearer realm="https://r.io/token"');
    await auth.authorization({ registry: "r.io", scopes: [repositoryScope("a")] });
    expect(send.requests[0]?.headers).toStrictEqual({ accept: "application/json" });
  });
});

describe("Basic credentials", () => {
  it("need both a username and a password; without a provider there is no header", async () => {
    const userOnly = createAuthenticator({
      send: fakeSend(() => ({})),
      credentials: staticCredentials({ username: "alice" } as never),
    });
    userOnly.learn("r.io", "Basic realm=r");
    expect(await userOnly.authorization({ registry: "r.io", scopes: [] })).toBeUndefined();
    await expect(
      userOnly.challenge({ registry: "r.io", scopes: [], wwwAuthenticate: "Basic realm=r" }),
    ).rejects.toBeInstanceOf(AuthenticationError);

    const none = createAuthenticator({ send: fakeSend(() => ({})) });
    none.learn("r.io", "Basic realm=r");
    expect(await none.authorization({ registry: "r.io", scopes: [] })).toBeUndefined();
  });
});

describe("an anonymous token request answered 401", () => {
  it("is an AuthenticationError with the status, the registry's errors, the redacted request and the access facts", async () => {
    const body = JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] });
    const auth = createAuthenticator({ send: fakeSend(() => ({ status: 401, body })) });
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="r.io"');
    const error = (await auth
      .authorization({ registry: "r.io", scopes: [repositoryScope("team/api")] })
      .catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(
      "fetch token from https://r.io/token: registry r.io requires a username and password",
    );
    expect(error).toMatchObject({
      status: 401,
      errors: [{ code: "UNAUTHORIZED" }],
      request: { method: "GET" },
      access: { registry: "r.io", repository: "team/api", credentials: "none" },
    });
    expect(error.request?.url).toContain("https://r.io/token");
    expect(error.hint?.length).toBeGreaterThan(0);
  });
});
