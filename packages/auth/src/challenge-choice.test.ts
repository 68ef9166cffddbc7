import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

// Which of several challenges the authenticator follows, and what describe() then says (mutation testing found these
// unsaid; docs/testing.md).

const noSend = () => fakeSend(() => ({}));

describe("choosing among a registry's challenges: Bearer with a realm, else Basic, else the first", () => {
  it.each([
    ['Bearer service="r.io", Basic realm="r"', "basic"],
    ['Basic realm="r", Bearer realm="https://r.io/token"', "bearer"],
    ['Negotiate abc==, Basic realm="r"', "basic"],
    ['Negotiate abc==, Bearer realm="https://r.io/token"', "bearer"],
    ["Negotiate abc==, Digest realm=r", "unknown"],
    ["Digest realm=r", "unknown"],
  ])("%s -> %s", (header, scheme) => {
    const auth = createAuthenticator({ send: noSend() });
    auth.learn("r.io", header);
    expect(auth.describe("r.io").scheme).toBe(scheme);
  });

  it("refuses a Bearer challenge without a realm when nothing else is offered, naming the registry", () => {
    const auth = createAuthenticator({ send: noSend() });
    expect(() => auth.learn("R.io", 'Bearer service="r.io"')).toThrow(
      new ProtocolError("the Bearer challenge of registry r.io has no realm"),
    );
    expect(auth.describe("r.io")).toStrictEqual({ registry: "r.io", scheme: "none" });
  });

  it("a later challenge replaces the earlier one", () => {
    const auth = createAuthenticator({ send: noSend() });
    auth.learn("r.io", 'Basic realm="r"');
    auth.learn("r.io", 'Bearer realm="https://r.io/token",service="svc"');
    expect(auth.describe("r.io")).toStrictEqual({
      registry: "r.io",
      scheme: "bearer",
      realm: "https://r.io/token",
      service: "svc",
    });
  });
});

describe("describe()", () => {
  it("redacts the realm's query and leaves out what the challenge did not name", () => {
    const auth = createAuthenticator({ send: noSend() });
    auth.learn("r.io", 'Bearer realm="https://r.io/token?code=sekrit"');
    expect(auth.describe("r.io")).toStrictEqual({
      registry: "r.io",
      scheme: "bearer",
      realm: "https://r.io/token?code=REDACTED",
    });
    auth.learn("b.io", "Basic");
    expect(auth.describe("b.io")).toStrictEqual({ registry: "b.io", scheme: "basic" });
  });

  it("names the user only when credentials with a secret were looked up", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const userOnly = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "alice" } as never),
    });
    userOnly.learn("r.io", 'Bearer realm="https://r.io/token"');
    await userOnly.authorization({ registry: "r.io", scopes: [repositoryScope("a")] });
    expect(userOnly.describe("r.io").username).toBeUndefined();

    const withPassword = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "alice", password: "pw" }),
    });
    withPassword.learn("r.io", 'Bearer realm="https://r.io/token"');
    expect(withPassword.describe("r.io").username).toBeUndefined(); // not looked up yet
    await withPassword.authorization({ registry: "r.io", scopes: [repositoryScope("a")] });
    expect(withPassword.describe("r.io").username).toBe("alice");
  });
});
