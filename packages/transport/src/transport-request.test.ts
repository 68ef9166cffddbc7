import {
  NotFoundError,
  ProtocolError,
  RegistryUnreachableError,
  SecretSet,
  TimeoutError,
  UsageError,
} from "@regatta/errors";
import { FakeAuthenticator, type TestHandler } from "@regatta/testkit";
import { MockAgent } from "undici";
import { describe, expect, it } from "vitest";
import { testbed, trickle } from "./test-helpers.js";
import { DEFAULT_USER_AGENT, Transport } from "./transport.js";
import { VERSION } from "./version.js";

const { serve, make } = testbed({ retry: { attempts: 0 } });
const ok: TestHandler = (_req, res) => void res.end("ok");

describe("where a request goes", () => {
  it("to /v2/ by default, to `path`, or to `url` (absolute, or relative to the registry)", async () => {
    const s = await serve(ok);
    const t = make();
    for (const req of [
      {},
      { path: "/v2/a/tags/list" },
      { url: `${s.origin}/v2/abs` },
      { url: "/v2/rel?x=1", path: "/v2/ignored" },
    ]) {
      await (await t.request({ registry: s.host, method: "GET", scopes: [], ...req })).dump();
    }
    expect(s.requests.map((r) => r.url)).toEqual(["/v2/", "/v2/a/tags/list", "/v2/abs", "/v2/rel?x=1"]);
  });

  it("adds the query parameters, skipping undefined ones and replacing ones already there", async () => {
    const s = await serve(ok);
    const res = await make().request({
      registry: s.host,
      method: "GET",
      path: "/v2/a/tags/list?n=1",
      query: { n: 50, last: "v1.0", skip: undefined },
      scopes: [],
    });
    await res.dump();
    expect(s.requests[0]?.url).toBe("/v2/a/tags/list?n=50&last=v1.0");
  });

  it("refuses a URL that does not parse, naming it", async () => {
    const t = make({ dispatcher: new MockAgent() });
    const err = await t
      .request({ registry: "reg.example", method: "GET", url: "http://[nope", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('invalid request URL "http://[nope"');
    expect(err.cause).toBeInstanceOf(TypeError);
    const byPath = await t
      .request({ registry: "reg.example", method: "GET", path: "http://[p", scopes: [] })
      .catch((e) => e);
    expect(byPath.message).toBe('invalid request URL "http://[p"');
  });

  it.each(["file:///etc/passwd", "ftp://reg.example/v2/", "data:text/plain,x"])(
    "refuses to send a registry request to %s, where the registry sent it (its fault: a ProtocolError, exit 1)",
    async (url) => {
      const err = await make({ dispatcher: new MockAgent() })
        .request({ registry: "reg.example", method: "PATCH", url, scopes: [], context: "upload blob" })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect([err.code, err.request.method]).toEqual(["BAD_LOCATION", "PATCH"]);
      expect(err.message).toBe(
        `upload blob: reg.example sent the request to a ${new URL(url).protocol} URL; refused`,
      );
    },
  );

  it("refuses a path that makes another scheme (the caller's input: a UsageError)", async () => {
    const err = await make({ dispatcher: new MockAgent() })
      .request({ registry: "reg.example", method: "GET", path: "file:///etc/passwd", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe("refusing to send a registry request to a file: URL");
  });

  it("sends https to a registry that is not loopback or listed", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get("https://reg.example").intercept({ path: "/v2/" }).reply(200, "secure");
    const res = await make({ dispatcher: agent }).request({
      registry: "reg.example",
      method: "GET",
      scopes: [],
    });
    expect(await res.text()).toBe("secure");
    expect(res.url).toBe("https://reg.example/v2/");
  });
});

describe("what a request carries", () => {
  it("the default User-Agent, or the one configured; the caller's headers with lower-cased names", async () => {
    const s = await serve(ok);
    await (await make().request({ registry: s.host, method: "get", scopes: [] })).dump();
    const custom = make({ userAgent: "ci-bot/2" });
    await (
      await custom.request({
        registry: s.host,
        method: "GET",
        headers: { Accept: "application/json", "X-Thing": "1" },
        scopes: [],
      })
    ).dump();
    expect(DEFAULT_USER_AGENT).toBe(`regatta/${VERSION}`);
    expect(s.requests[0]).toMatchObject({ method: "GET" });
    expect(s.requests[0]?.headers["user-agent"]).toBe(DEFAULT_USER_AGENT);
    expect(s.requests[1]?.headers).toMatchObject({
      "user-agent": "ci-bot/2",
      accept: "application/json",
      "x-thing": "1",
    });
  });

  it("a caller's User-Agent header wins over the default", async () => {
    const s = await serve(ok);
    const res = await make().request({
      registry: s.host,
      method: "GET",
      headers: { "User-Agent": "mine/1" },
      scopes: [],
    });
    await res.dump();
    expect(s.requests[0]?.headers["user-agent"]).toBe("mine/1");
  });

  it("repeated response headers are joined, names lower-cased", async () => {
    const s = await serve((_req, res) => {
      res.setHeader("X-Multi", ["a", "b"]);
      res.end();
    });
    const res = await make().request({ registry: s.host, method: "GET", scopes: [] });
    await res.dump();
    expect(res.headers["x-multi"]).toBe("a, b");
  });
});

describe("typed errors", () => {
  it("carry the registry's OCI error code, the status and the redacted request", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:ab"}]}',
      );
    });
    const err = await make()
      .request({
        registry: s.host,
        method: "get",
        url: `${s.origin}/v2/a/blobs/sha256:ab?X-Amz-Signature=s3cr3t&digest=sha256:ab`,
        scopes: [],
        context: "get blob",
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe("BLOB_UNKNOWN");
    expect(err.status).toBe(404);
    expect(err.errors).toEqual([
      { code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: "sha256:ab" },
    ]);
    const shown = `${s.origin}/v2/a/blobs/sha256:ab?X-Amz-Signature=REDACTED&digest=sha256%3Aab`;
    expect(err.request).toEqual({ method: "GET", url: shown });
    expect(err.message).toBe(`get blob: 404 BLOB_UNKNOWN: blob unknown to registry (GET ${shown})`);
    expect(JSON.stringify(err)).not.toContain("s3cr3t");
  });

  it("a status the caller expects is an answer, not an error", async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 404;
      res.end("none");
    });
    const res = await make().request({ registry: s.host, method: "GET", scopes: [], expect: [200, 404] });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("none");
    const err = await make()
      .request({ registry: s.host, method: "GET", scopes: [], expect: [200] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
  });
});

describe("streamed bodies", () => {
  it("a streamed body cut half-way fails typed, naming the caller's context and the registry", async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("x".repeat(10));
      setTimeout(() => req.socket.destroy(), 20);
    });
    const res = await make().request({
      registry: s.host,
      method: "GET",
      path: "/v2/a/blobs/x",
      scopes: [],
      streaming: true,
      context: "get blob x",
    });
    const err = await res.text().catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toMatch(
      new RegExp(`^get blob x: cannot reach registry ${s.host}: .* \\(GET http://${s.host}/v2/a/blobs/x\\)`),
    );
  });

  it("a streamed body read after the caller aborted with a reason fails with that reason", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("x".repeat(10)); // and then nothing
    });
    const controller = new AbortController();
    const res = await make().request({
      registry: s.host,
      method: "GET",
      scopes: [],
      streaming: true,
      signal: controller.signal,
    });
    const reason = new TimeoutError("the caller's own deadline");
    controller.abort(reason);
    expect(await res.text().catch((e) => e)).toBe(reason);
  });

  it("a one-shot stream body counts as streaming: no request deadline while it goes out", async () => {
    const s = await serve(async (req, res) => {
      for await (const _ of req);
      res.statusCode = 201;
      res.end();
    });
    const slow = trickle();
    const res = await make({ timeouts: { request: 60 } }).request({
      registry: s.host,
      method: "PUT",
      body: slow,
      scopes: [],
    });
    expect(res.status).toBe(201);
    await res.dump();
  });
});

describe("authSend", () => {
  it.each(["file:///token", "ftp://auth.example/token"])("refuses a token request to %s", async (url) => {
    const err = await make({ dispatcher: new MockAgent() })
      .authSend({ method: "GET", url, headers: {} })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toBe(`refusing a token request to a ${new URL(url).protocol} URL`);
  });

  it("goes through the bare stack: a 401 is an answer, and no registry Authorization is added", async () => {
    const s = await serve((req, res) => {
      res.statusCode = 401;
      res.setHeader("x-auth", req.headers.authorization ?? "none");
      res.setHeader("x-ua", req.headers["user-agent"] ?? "");
      res.end("denied");
    });
    const t = make();
    const res = await t.authSend({
      // A lower-case method from a caller is sent upper-cased (the type asks for upper case; JavaScript callers may not).
      method: "post" as "POST",
      url: `${s.origin}/token`,
      headers: { "X-A": "1" },
      body: "a=b",
    });
    expect(res).toMatchObject({ status: 401, body: "denied" });
    expect(res.headers["x-auth"]).toBe("none");
    expect(res.headers["x-ua"]).toBe(DEFAULT_USER_AGENT);
    expect(s.requests[0]).toMatchObject({ method: "POST", url: "/token" });
    expect(s.requests[0]?.headers["x-a"]).toBe("1");
  });
});

describe("lifecycle", () => {
  it("close() closes the dispatcher it built, once; an injected one is left to its owner", async () => {
    const s = await serve(ok);
    const t = new Transport({ retry: { attempts: 0 } });
    await (await t.request({ registry: s.host, method: "GET", scopes: [] })).dump();
    const closing = t.close();
    expect(t.close()).toBe(closing);
    await closing;
    await expect(t.request({ registry: s.host, method: "GET", scopes: [] })).rejects.toThrow(/closed/);

    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get("https://reg.example").intercept({ path: "/v2/" }).reply(200, "x").times(2);
    const injected = new Transport({ dispatcher: agent });
    await (await injected.request({ registry: "reg.example", method: "GET", scopes: [] })).dump();
    await injected.close();
    const again = await agent.request({ origin: "https://reg.example", path: "/v2/", method: "GET" });
    expect(await again.body.text()).toBe("x");
    await agent.close();
  });

  it("the authenticator can be read, replaced and removed; the secrets are the ones given", () => {
    const secrets = new SecretSet();
    const auth = new FakeAuthenticator("Bearer t");
    const t = make({ authenticator: auth, secrets, dispatcher: new MockAgent() });
    expect(t.authenticator).toBe(auth);
    expect(t.secrets).toBe(secrets);
    t.setAuthenticator(undefined);
    expect(t.authenticator).toBeUndefined();
    expect(make({ dispatcher: new MockAgent() }).secrets.size).toBe(0);
  });
});
