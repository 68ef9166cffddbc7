/**
 * The auth concern's smaller promises: the caller's signal reaches the authenticator, a one-shot body meeting a 401
 * teaches the challenge instead of replaying, a caller's own Authorization is left alone, and what went with a
 * request (scheme and user, never the value) is noted for the 401/403 hint (issue 10, item 16).
 */
import { Readable } from "node:stream";
import type { AuthDescription } from "@regatta/auth";
import { AuthenticationError, AuthorizationError, RegistryUnreachableError } from "@regatta/errors";
import { FakeAuthenticator } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { authenticating } from "./auth.js";
import type { RawResponse } from "./exchange.js";
import { testbed, testExchange } from "./test-helpers.js";

const CHALLENGE = 'Bearer realm="http://127.0.0.1/token",service="test"';
const scopes = [{ type: "repository", name: "a", actions: ["pull", "push"] }];

/** A FakeAuthenticator that says which user it acts for. */
class NamedAuthenticator extends FakeAuthenticator {
  override describe(registry: string): AuthDescription {
    return { registry, scheme: "basic", username: "alice" };
  }
}

const { serve, make: transport } = testbed({ retry: { attempts: 0 } });

/** A registry that accepts `valid` and answers anything else with `status` (401 with a challenge by default). */
async function registry(valid: string, status = 401) {
  return serve((req, res) => {
    if (req.headers.authorization === valid) return void res.end("{}");
    res.statusCode = status;
    if (status === 401) res.setHeader("www-authenticate", CHALLENGE);
    res.setHeader("content-type", "application/json");
    res.end('{"errors":[{"code":"DENIED","message":"no"}]}');
  });
}
function make(authenticator?: FakeAuthenticator) {
  return transport(authenticator ? { authenticator } : {});
}

describe("auth concern", () => {
  it("hands the caller's signal to the authenticator, for the first header and for the challenge", async () => {
    const s = await registry("Bearer new");
    const auth = new FakeAuthenticator("Bearer old", ["Bearer new"]);
    const controller = new AbortController();
    const res = await make(auth).request({
      registry: s.host,
      method: "GET",
      path: "/v2/a/tags/list",
      scopes,
      signal: controller.signal,
    });
    await res.dump();
    expect(auth.authorizations[0]?.signal).toBe(controller.signal);
    expect(auth.challenges[0]?.signal).toBe(controller.signal);
    expect(auth.challenges[0]).toMatchObject({ registry: s.host, scopes, wwwAuthenticate: CHALLENGE });
    // Without a signal, none is passed (not even `signal: undefined`).
    const quiet = new FakeAuthenticator("Bearer old", ["Bearer new"]);
    await (await make(quiet).request({ registry: s.host, method: "GET", scopes })).dump();
    expect(Object.keys(quiet.authorizations[0] ?? {})).not.toContain("signal");
    expect(Object.keys(quiet.challenges[0] ?? {})).not.toContain("signal");
  });

  it("a one-shot body that meets a 401 is not replayed: the challenge is learnt and the 401 reported", async () => {
    const auth = new FakeAuthenticator(undefined, ["Bearer new"]);
    const s = await serve((req, res) => {
      // The ping says nothing about auth, so the upload goes out without a token and is refused.
      if (req.url === "/v2/") return void res.end();
      req.resume();
      req.on("end", () => {
        res.writeHead(401, { "www-authenticate": CHALLENGE });
        res.end();
      });
    });
    const err = await make(auth)
      .request({
        registry: s.host,
        method: "PUT",
        path: "/v2/a/blobs/uploads/1",
        body: Readable.from([Buffer.from("bytes")]),
        scopes,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(auth.learnt).toEqual([{ registry: s.host, challenge: CHALLENGE }]);
    expect(auth.challenges).toEqual([]);
    expect(s.requests.map((r) => r.url)).toEqual(["/v2/", "/v2/a/blobs/uploads/1"]);
  });

  it("a replayable body is not preceded by a ping", async () => {
    const s = await registry("Bearer t");
    const res = await make(new FakeAuthenticator("Bearer t")).request({
      registry: s.host,
      method: "PUT",
      path: "/v2/a/manifests/x",
      body: "{}",
      scopes,
    });
    await res.dump();
    expect(s.requests.map((r) => r.url)).toEqual(["/v2/a/manifests/x"]);
  });

  it("any answer but a 401 with a challenge is handed up untouched, without asking the authenticator", async () => {
    const big = "b".repeat(100 * 1024); // more than an error body is ever read
    const s = await serve((req, res) => {
      res.statusCode = req.url === "/v2/created" ? 201 : 200;
      res.setHeader("www-authenticate", CHALLENGE); // a challenge on a success means nothing
      res.end(big);
    });
    const auth = new FakeAuthenticator("Bearer t", ["Bearer other"]);
    const t = make(auth);
    const res = await t.request({ registry: s.host, method: "GET", scopes });
    expect(await res.text()).toBe(big);
    const created = await t.request({
      registry: s.host,
      method: "PUT",
      path: "/v2/created",
      body: "x",
      scopes,
    });
    expect(created.status).toBe(201);
    await created.dump();
    expect(auth.challenges).toEqual([]);
    expect(s.requests).toHaveLength(2);
  });

  it("a 401 without a challenge is reported as it is, without asking the authenticator", async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 401;
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    });
    const auth = new FakeAuthenticator("Bearer t", ["Bearer other"]);
    const err = await make(auth)
      .request({ registry: s.host, method: "GET", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(auth.challenges).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  it("the same header again is not a retry: the 401 is reported with its body", async () => {
    const s = await registry("never");
    const auth = new FakeAuthenticator("Bearer same", ["Bearer same"]);
    const err = await make(auth)
      .request({ registry: s.host, method: "GET", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.code).toBe("DENIED");
    expect(s.requests).toHaveLength(1);
  });

  it("leaves a caller's own Authorization alone and does not ask the authenticator", async () => {
    const s = await registry("Basic b3duOnZhbHVl", 403);
    const auth = new NamedAuthenticator("Bearer t");
    const res = await make(auth).request({
      registry: s.host,
      method: "GET",
      headers: { Authorization: "Basic b3duOnZhbHVl" },
      scopes,
    });
    await res.dump();
    expect(auth.authorizations).toEqual([]);
    expect(s.requests[0]?.headers.authorization).toBe("Basic b3duOnZhbHVl");
    // Refused, it says what the caller sent: Basic, without a user the authenticator knows nothing about.
    const err = await make(auth)
      .request({ registry: s.host, method: "GET", headers: { Authorization: "Basic d3Jvbmc6eA==" }, scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizationError);
    expect(err.access).toMatchObject({ credentials: "basic" });
    expect(err.access.username).toBeUndefined();
  });

  it("notes the scheme and the user that went with a refused request, for the hint", async () => {
    const bearer = await registry("never", 403);
    const err = await make(new NamedAuthenticator("Bearer t"))
      .request({ registry: bearer.host, method: "GET", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizationError);
    expect(err.access).toMatchObject({ registry: bearer.host, credentials: "bearer", username: "alice" });

    const basic = await make(new NamedAuthenticator("BASIC YTpi"))
      .request({ registry: bearer.host, method: "GET", scopes })
      .catch((e) => e);
    expect(basic.access).toMatchObject({ credentials: "basic", username: "alice" });

    // Nothing sent: no user named, whatever the authenticator says about itself.
    const anonymous = await make(new NamedAuthenticator(undefined))
      .request({ registry: bearer.host, method: "GET", scopes })
      .catch((e) => e);
    expect(anonymous.access).toMatchObject({ credentials: "none" });
    expect(anonymous.access.username).toBeUndefined();

    // A token fetched without any credential is anybody's: nothing was sent that could be refused.
    class NobodyAuthenticator extends FakeAuthenticator {
      override describe(registry: string): AuthDescription {
        return { registry, scheme: "bearer", anonymous: true };
      }
    }
    const nobody = await make(new NobodyAuthenticator("Bearer anybody"))
      .request({ registry: bearer.host, method: "GET", scopes })
      .catch((e) => e);
    expect(nobody.access).toMatchObject({ credentials: "none" });

    // A scheme that is neither counts as none.
    const other = await make(new NamedAuthenticator("Negotiate abc"))
      .request({ registry: bearer.host, method: "GET", scopes })
      .catch((e) => e);
    expect(other.access).toMatchObject({ credentials: "none" });
  });

  it("after a renewed header, notes the renewed scheme and the user", async () => {
    const s = await serve((req, res) => {
      if (!req.headers.authorization?.startsWith("Bearer")) {
        res.writeHead(401, { "www-authenticate": CHALLENGE });
        return void res.end();
      }
      res.statusCode = 403;
      res.end();
    });
    const err = await make(new NamedAuthenticator("Basic YTpi", ["Bearer renewed"]))
      .request({ registry: s.host, method: "GET", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizationError);
    expect(err.access).toMatchObject({ credentials: "bearer", username: "alice" });
  });

  it("without an authenticator, a response still says nothing was sent", async () => {
    const exchange = testExchange({ registry: "r", baseOrigin: "http://r", url: new URL("http://r/v2/") });
    const raw: RawResponse = { status: 200, headers: {}, url: "http://r/v2/", body: Readable.from([]) };
    const handler = authenticating({ authenticator: () => undefined, ping: async () => undefined })(
      async () => raw,
    );
    expect((await handler(exchange)).sent).toEqual({ credentials: "none" });
    const withHeader = await handler({ ...exchange, headers: { authorization: "Bearer x" } });
    expect(withHeader.sent).toEqual({ credentials: "bearer" });
  });

  it("a header value undici refuses to send (CR LF, a character above U+00FF) is not an unreachable registry", async () => {
    // The net under auth's own checks (unsendable-token.ts): a custom authenticator handing out such a value.
    let asked = 0;
    const s = await serve((_req, res) => {
      asked++;
      res.end("{}");
    });
    for (const value of ["Bearer tok\r\nX-Evil: 1", "Bearer tok\u4e2d"]) {
      const err = await make(new FakeAuthenticator(value, []))
        .request({ registry: s.host, method: "GET", path: "/v2/a/tags/list", scopes })
        .catch((e) => e);
      expect(err).not.toBeInstanceOf(RegistryUnreachableError);
      expect(err).toMatchObject({ code: "REQUEST_NOT_SENT", retryable: false });
      expect(err.message).toMatch(/not sent: invalid authorization header/);
    }
    expect(asked).toBe(0);
  });
});
