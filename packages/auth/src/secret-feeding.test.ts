/**
 * Issue 10, item 3: the authenticator feeds the client's SecretSet with everything it sends or is given — the
 * password and Basic value, identity and registry tokens, every token, refresh and id token a token answer carries,
 * used or not — so the transport can scrub what a registry echoes later, and its own log lines are scrubbed too.
 */
import { SecretSet, scrubText } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { b64, fakeSend, tokenBody } from "./test-helpers.js";

const BEARER = 'Bearer realm="https://auth.r.io/token",service="r.io"';
const request = { registry: "r.io", scopes: [repositoryScope("team/app", ["pull"])] };

describe("the authenticator feeds the client's SecretSet", () => {
  it.each([
    [
      "a password (OAuth2 POST, grant_type=password)",
      { username: "alice", password: "pw-Alice-4242" },
      "always" as const,
    ],
    ["a password (GET with Basic)", { username: "alice", password: "pw-Alice-4242" }, "never" as const],
    ["an identity token (OAuth2 POST)", { identityToken: "idt-Refresh-9191" }, "auto" as const],
  ])("%s, and every token issued", async (_, credential, oauth) => {
    const secrets = new SecretSet();
    const send = fakeSend(() => ({
      body: tokenBody("issued-Token-0001", { refresh_token: "refresh-Token-0002" }),
    }));
    const auth = createAuthenticator({ send, credentials: staticCredentials(credential), oauth, secrets });
    auth.learn("r.io", BEARER);
    expect(await auth.authorization(request)).toBe("Bearer issued-Token-0001");
    const echoed = [
      "issued-Token-0001",
      "refresh-Token-0002",
      ...Object.entries(credential)
        .filter(([key]) => key !== "username")
        .map(([, value]) => value),
      ...("password" in credential
        ? [b64(`alice:${credential.password}`), `alice:${credential.password}`]
        : []),
    ];
    for (const secret of echoed)
      expect(scrubText(`server said ${secret}`, secrets)).toBe("server said REDACTED");
  });

  it("every credential of a token answer, the unused token too (a registry may echo it in a tag list)", async () => {
    const secrets = new SecretSet();
    const body = JSON.stringify({
      token: "used-Token-0004",
      access_token: "unused-Access-0005",
      refresh_token: "refresh-Token-0006",
      id_token: "id-Token-0007",
      expires_in: 300,
    });
    const auth = createAuthenticator({ send: fakeSend(() => ({ body })), secrets });
    auth.learn("r.io", BEARER);
    // `token` is used when both are there (docker's client would take access_token; see token-response.ts).
    expect(await auth.authorization(request)).toBe("Bearer used-Token-0004");
    const tags = "unused-Access-0005 refresh-Token-0006 id-Token-0007 used-Token-0004";
    expect(scrubText(tags, secrets)).toBe("REDACTED REDACTED REDACTED REDACTED");
  });

  it("a registry token and a Basic registry's password", async () => {
    const secrets = new SecretSet();
    const send = fakeSend(() => ({ status: 500 }));
    const basic = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "bob", password: "pw-Bob-7777" }),
      secrets,
    });
    basic.learn("r.io", 'Basic realm="r"');
    expect(await basic.authorization(request)).toBe(`Basic ${b64("bob:pw-Bob-7777")}`);
    const token = createAuthenticator({
      send,
      credentials: staticCredentials({ registryToken: "rt-Static-5353" }),
      secrets,
    });
    token.learn("r.io", BEARER);
    expect(await token.authorization(request)).toBe("Bearer rt-Static-5353");
    for (const secret of ["pw-Bob-7777", b64("bob:pw-Bob-7777"), "rt-Static-5353"]) {
      expect(scrubText(secret, secrets)).toBe("REDACTED");
    }
  });

  it("without a set of the caller's it keeps one of its own (nothing global)", async () => {
    const send = fakeSend(() => ({ body: tokenBody("issued-Token-0003") }));
    const lines: string[] = [];
    const auth = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "carol", password: "pw-Carol-1111" }),
      log: (line) => lines.push(line),
    });
    auth.learn("r.io", BEARER);
    await auth.authorization(request);
    expect(scrubText("issued-Token-0003", new SecretSet())).toBe("issued-Token-0003");
    expect(lines.join("\n")).not.toContain("pw-Carol-1111");
  });
});
