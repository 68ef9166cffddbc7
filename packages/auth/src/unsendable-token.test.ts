import { CredentialsError, ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { fakeSend, tempDir, tokenBody, writeIn } from "./test-helpers.js";
import { parseTokenResponse } from "./token-response.js";
import { unsendableTokenReason } from "./unsendable-token.js";

// QA auth7 #1: a token undici refuses as a header value came out of the request as "cannot reach registry" (exit 5,
// which scripts retry). It is refused where it enters, naming who gave it.

const UNSENDABLE: [string, string, RegExp][] = [
  ["CR LF (a header injection)", "qz\r\nX-Evil: 1", /control characters/],
  ["NUL", "qz\u0000x", /control characters/],
  ["a tab", "qz\tx", /control characters/],
  ["DEL", "qz\u007f", /control characters/],
  ["characters above U+00FF", "qz\u00e9\u4e2d", /non-ASCII/],
  ["Latin-1 (sent as one altered byte)", "qz\u00e9", /non-ASCII/],
  ["leading whitespace", " qz", /whitespace/],
  ["trailing whitespace", "qz ", /whitespace/],
];

describe("unsendableTokenReason", () => {
  it.each(UNSENDABLE)("refuses %s", (_what, token, reason) => {
    expect(unsendableTokenReason(token)).toMatch(reason);
  });

  it("accepts what token services issue: JWTs, opaque base64, URL-safe and padded tokens", () => {
    for (const token of ["eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "ya29.a0-_~+/x==", "t", "a b"]) {
      expect(unsendableTokenReason(token)).toBeUndefined();
    }
  });
});

describe("a token service answering a token that cannot go in a header", () => {
  const REALM = "https://auth.r.io/token?service=r.io&code=sekrit";

  it.each(UNSENDABLE)("%s: a ProtocolError naming the realm, never the token", (_what, token, reason) => {
    for (const body of [tokenBody(token), JSON.stringify({ access_token: token })]) {
      const error = (() => {
        try {
          parseTokenResponse(body, REALM, 0);
        } catch (e) {
          return e as ProtocolError;
        }
        throw new Error("expected a refusal");
      })();
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error.code).toBe("INVALID_TOKEN");
      expect(error.message).toContain("token response from https://auth.r.io/token");
      expect(error.message).toContain("cannot be sent in an Authorization header");
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain("sekrit");
      expect(error.message).not.toContain("qz");
    }
  });

  it("fails the challenge with it: no header is handed to the transport", async () => {
    const send = fakeSend(() => ({ body: tokenBody("tok\r\nX-Evil: 1") }));
    const auth = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "u", password: "p" }),
    });
    const error = await auth
      .challenge({
        registry: "r.io",
        scopes: [repositoryScope("a/b")],
        wwwAuthenticate: 'Bearer realm="https://auth.r.io/token",service="r.io"',
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toMatch(/token response from https:\/\/auth\.r\.io\/token.*control characters/);
    expect(send.requests).toHaveLength(1);
  });
});

describe("a registry token that cannot go in a header", () => {
  const challenge = (credentials: ReturnType<typeof staticCredentials>) => {
    const send = fakeSend(() => ({}));
    const auth = createAuthenticator({ send, credentials });
    const error = auth
      .challenge({ registry: "r.io", scopes: [repositoryScope("a/b")], wwwAuthenticate: "Basic realm=r" })
      .catch((e) => e);
    return { error, send };
  };

  it.each(UNSENDABLE)("%s, given explicitly: a CredentialsError saying so", async (_what, token, reason) => {
    const { error, send } = challenge(staticCredentials({ registryToken: token }));
    const e = await error;
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.code).toBe("INVALID_REGISTRY_TOKEN");
    expect(e.message).toMatch(reason);
    expect(e.message).toContain("the registry token for r.io cannot be sent in an Authorization header");
    expect(e.message).toContain("given to the client explicitly");
    expect(send.requests).toHaveLength(0);
  });

  it("from a docker config's registrytoken: names the file and the key, not the token", async () => {
    const dir = await tempDir();
    const file = await writeIn(dir, "config.json", {
      auths: { "r.io": { registrytoken: "rt\r\nX-Evil: 1" } },
    });
    const credentials = dockerConfigCredentials({ configDir: dir, env: {} });
    const auth = createAuthenticator({ send: fakeSend(() => ({})), credentials });
    const request = { registry: "r.io", scopes: [repositoryScope("a/b")] };
    auth.learn("r.io", 'Bearer realm="https://auth.r.io/token"');
    const e = await auth.authorization(request).catch((error) => error);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.message).toContain(`auths["r.io"] in ${file}`);
    expect(e.message).not.toContain("rt\r");
  });
});
