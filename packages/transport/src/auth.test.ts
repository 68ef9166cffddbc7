import { Readable } from "node:stream";
import { AuthenticationError, AuthorizationError } from "@regatta/errors";
import { FakeAuthenticator, readRequest, startServer, type TestServer } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

const CHALLENGE = 'Bearer realm="http://127.0.0.1/token",service="test"';
const scopes = [{ type: "repository", name: "a/b", actions: ["pull"] }];
let servers: TestServer[] = [];
let transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  transports = [];
});

async function registry(valid: string | undefined, status = 401) {
  const server = await startServer((req, res) => {
    if (valid !== undefined && req.headers.authorization === valid) {
      res.setHeader("content-type", "application/json");
      return void res.end('{"ok":true}');
    }
    res.statusCode = status;
    if (status === 401) res.setHeader("www-authenticate", CHALLENGE);
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({ errors: [{ code: status === 401 ? "UNAUTHORIZED" : "DENIED", message: "nope" }] }),
    );
  });
  servers.push(server);
  return server;
}

function transport(authenticator?: FakeAuthenticator) {
  const t = new Transport({ ...(authenticator ? { authenticator } : {}), retry: { attempts: 0 } });
  transports.push(t);
  return t;
}

describe("auth concern", () => {
  it("answers a 401 by asking the authenticator and retrying once with the new header", async () => {
    const server = await registry("Bearer good");
    const auth = new FakeAuthenticator(undefined, ["Bearer good"]);
    const res = await transport(auth).request({
      registry: server.host,
      method: "GET",
      path: "/v2/a/b/tags/list",
      scopes,
    });
    expect(await res.json()).toEqual({ ok: true });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([undefined, "Bearer good"]);
    expect(auth.challenges).toHaveLength(1);
    expect(auth.challenges[0]).toMatchObject({ registry: server.host, scopes, wwwAuthenticate: CHALLENGE });
    expect(auth.challenges[0]?.previous).toBeUndefined();
  });

  it("passes the refused header as `previous`, and a second 401 is an AuthenticationError (no third try)", async () => {
    const server = await registry("Bearer never");
    const auth = new FakeAuthenticator("Bearer stale", ["Bearer also-bad", "Bearer unused"]);
    const err = await transport(auth)
      .request({
        registry: server.host,
        method: "GET",
        path: "/v2/a/b/manifests/x",
        scopes,
        context: "get manifest x",
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/^get manifest x: 401 UNAUTHORIZED: nope/);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer stale", "Bearer also-bad"]);
    expect(auth.challenges[0]?.previous).toBe("Bearer stale");
  });

  it("does not retry when the authenticator has nothing new, and reports the 401 body", async () => {
    const server = await registry(undefined);
    const auth = new FakeAuthenticator(undefined, [undefined]);
    const err = await transport(auth)
      .request({ registry: server.host, method: "GET", path: "/v2/", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.errors[0].code).toBe("UNAUTHORIZED");
    expect(server.requests).toHaveLength(1);
  });

  it("a 403 is an AuthorizationError and is never retried", async () => {
    const server = await registry(undefined, 403);
    const auth = new FakeAuthenticator("Bearer t", ["Bearer other"]);
    const err = await transport(auth)
      .request({ registry: server.host, method: "GET", path: "/v2/a/b/tags/list", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizationError);
    expect(server.requests).toHaveLength(1);
    expect(auth.challenges).toHaveLength(0);
  });

  it("without an authenticator a 401 is an AuthenticationError", async () => {
    const server = await registry("x");
    const err = await transport()
      .request({ registry: server.host, method: "GET", path: "/v2/", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
  });

  it("pings first when the body is a one-shot stream, so the token is there before the bytes go", async () => {
    const auth = new FakeAuthenticator(undefined);
    const server = await startServer(async (req, res) => {
      if (req.url === "/v2/") {
        res.statusCode = 401;
        res.setHeader("www-authenticate", CHALLENGE);
        auth.initial = "Bearer learnt"; // what a real authenticator would now answer
        return void res.end();
      }
      const body = await readRequest(req);
      res.statusCode = req.headers.authorization === "Bearer learnt" ? 202 : 401;
      res.setHeader("x-got", String(body.length));
      res.end();
    });
    servers.push(server);
    const res = await transport(auth).request({
      registry: server.host,
      method: "PATCH",
      path: "/v2/a/b/blobs/uploads/1",
      body: Readable.from([Buffer.alloc(1000)]),
      scopes,
    });
    expect(res.status).toBe(202);
    expect(res.headers["x-got"]).toBe("1000");
    expect(auth.learnt).toEqual([{ registry: server.host, challenge: CHALLENGE }]);
    expect(server.requests.map((r) => r.url)).toEqual(["/v2/", "/v2/a/b/blobs/uploads/1"]);
  });

  it("never sends credentials to another origin (an upload Location elsewhere)", async () => {
    const storage = await startServer((req, res) => void res.end(req.headers.authorization ?? "none"));
    servers.push(storage);
    const server = await registry("Bearer good");
    const auth = new FakeAuthenticator("Bearer good");
    const res = await transport(auth).request({
      registry: server.host,
      method: "GET",
      url: `${storage.origin}/upload/1`,
      scopes,
    });
    expect(await res.text()).toBe("none");
    expect(auth.authorizations).toHaveLength(0);
  });

  it("setAuthenticator breaks the construction cycle and hands over challenges already learnt", async () => {
    const server = await registry("Bearer late");
    const t = transport();
    expect(await t.ping(server.host)).toEqual({ status: 401, challenge: CHALLENGE });
    expect(await t.ping(server.host)).toEqual({ status: 401, challenge: CHALLENGE });
    expect(server.requests).toHaveLength(1); // the ping is cached per registry
    const auth = new FakeAuthenticator("Bearer late");
    t.setAuthenticator(auth);
    expect(auth.learnt).toEqual([{ registry: server.host, challenge: CHALLENGE }]);
    const res = await t.request({ registry: server.host, method: "GET", path: "/v2/a/b/tags/list", scopes });
    expect(res.status).toBe(200);
    await res.dump();
  });

  it("authSend sends token requests through the same dispatcher, caps the body and never throws on status", async () => {
    const realm = await startServer((req, res) => {
      if (req.url?.startsWith("/big")) return void res.end("x".repeat(70 * 1024));
      res.statusCode = req.headers.authorization === "Basic dTpw" ? 200 : 401;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ token: "T", url: req.url }));
    });
    servers.push(realm);
    const t = transport();
    const ok = await t.authSend({
      method: "GET",
      url: `${realm.origin}/token?service=s&scope=repository:a:pull`,
      headers: { Authorization: "Basic dTpw" },
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ token: "T", url: "/token?service=s&scope=repository:a:pull" });
    const refused = await t.authSend({
      method: "POST",
      url: `${realm.origin}/token`,
      headers: {},
      body: "grant_type=x",
    });
    expect(refused.status).toBe(401);
    await expect(t.authSend({ method: "GET", url: `${realm.origin}/big`, headers: {} })).rejects.toThrow(
      /larger than 65536/,
    );
  });
});
