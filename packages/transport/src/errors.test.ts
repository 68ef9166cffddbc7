import {
  AbortError,
  NotFoundError,
  ProtocolError,
  RegistryUnreachableError,
  TimeoutError,
  TlsError,
} from "@regatta/errors";
import { startServer, TEST_CERT, type TestServer } from "@regatta/testkit";
import { errors, MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

let servers: TestServer[] = [];
let transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  transports = [];
});

async function serve(handler: Parameters<typeof startServer>[0], options?: { tls?: boolean }) {
  const s = await startServer(handler, options);
  servers.push(s);
  return s;
}
function make(options: ConstructorParameters<typeof Transport>[0] = {}) {
  const t = new Transport({ retry: { attempts: 0 }, ...options });
  transports.push(t);
  return t;
}
const get = (t: Transport, registry: string, path = "/v2/") =>
  t.request({ registry, method: "GET", path, scopes: [] }).catch((e: unknown) => e);

describe("status errors", () => {
  it("maps an unexpected status with its errors[] body and the caller's context", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    const err = await make()
      .request({
        registry: s.host,
        method: "GET",
        path: "/v2/a/manifests/x",
        scopes: [],
        context: "get manifest a:x",
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(
      `get manifest a:x: 404 MANIFEST_UNKNOWN: manifest unknown (GET http://${s.host}/v2/a/manifests/x)`,
    );
  });

  it("surfaces Docker Hub's rate-limit headers", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600" });
      res.end("{}");
    });
    const res = await make().request({
      registry: s.host,
      method: "HEAD",
      path: "/v2/a/manifests/x",
      scopes: [],
    });
    expect(res.rateLimit).toEqual({ limit: "100;w=21600", remaining: "76;w=21600" });
  });

  it("caps text() and json() and rejects non-JSON", async () => {
    const s = await serve((req, res) => void res.end(req.url === "/big" ? "x".repeat(2000) : "<html>"));
    const t = make();
    const big = await t.request({ registry: s.host, method: "GET", path: "/big", scopes: [] });
    await expect(big.text(1000)).rejects.toThrow(/larger than 1000 bytes/);
    const html = await t.request({ registry: s.host, method: "GET", path: "/v2/", scopes: [] });
    await expect(html.json()).rejects.toBeInstanceOf(ProtocolError);
  });

  it("a ping that gets 404 says the host is not a registry", async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    await expect(make().ping(s.host)).rejects.toThrow(/does not serve the Registry v2 API/);
  });
});

describe("network errors", () => {
  it("connection refused → RegistryUnreachableError naming the registry and request", async () => {
    const s = await startServer(() => {});
    await s.close();
    const err = (await get(make(), s.host)) as RegistryUnreachableError;
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toBe(
      `cannot reach registry ${s.host}: connection refused (GET http://${s.host}/v2/)`,
    );
    expect(err.request).toEqual({ method: "GET", url: `http://${s.host}/v2/` });
    expect(err.retryable).toBe(true);
  });

  it("no response headers within the idle timeout → TimeoutError naming the timeout, host and flag", async () => {
    const s = await serve(() => {}); // never answers
    const err = (await get(make({ timeouts: { idle: 150 } }), s.host)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toBe(
      `idle timeout (150 ms) waiting for response headers from ${s.host} (GET http://${s.host}/v2/)`,
    );
    expect(err.hint).toMatch(/--idle-timeout/);
    expect(err.retryable).toBe(false);
  });

  it("a small body that stalls → TimeoutError from the request itself (the body is read inside it)", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "10" });
      res.write("12345"); // and then nothing
    });
    const err = await get(make({ timeouts: { idle: 150 } }), s.host);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).summary).toMatch(
      /^idle timeout \(150 ms\): 127\.0\.0\.1:\d+ stopped sending/,
    );
  });

  it("the request deadline → TimeoutError naming --timeout", async () => {
    const s = await serve(() => {});
    const err = (await get(make({ timeouts: { request: 100 } }), s.host)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toBe(`request timeout (100 ms) (GET http://${s.host}/v2/)`);
    expect(err.hint).toMatch(/--timeout/);
  });

  it("an aborted signal → AbortError, also during a retry backoff", async () => {
    const s = await serve(() => {});
    const controller = new AbortController();
    const pending = make().request({
      registry: s.host,
      method: "GET",
      path: "/v2/",
      scopes: [],
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe(`aborted (GET http://${s.host}/v2/)`);

    const busy = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const c2 = new AbortController();
    const t = make({ retry: { attempts: 3 }, sleep: () => new Promise(() => {}) });
    const p2 = t.request({ registry: busy.host, method: "GET", path: "/v2/", scopes: [], signal: c2.signal });
    setTimeout(() => c2.abort(), 50);
    expect(await p2.catch((e) => e)).toBeInstanceOf(AbortError);
  });

  it("maps undici's connect timeout, DNS and TLS-version errors (MockAgent)", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get("https://reg.example");
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND reg.example"), { code: "ENOTFOUND" });
    // OpenSSL's message ends with a newline: the error stays one line.
    const eproto = Object.assign(new Error("write EPROTO ...:ssl3_get_record:wrong version number\n"), {
      code: "EPROTO",
    });
    pool
      .intercept({ path: "/v2/", method: "GET" })
      .replyWithError(new errors.ConnectTimeoutError("Connect Timeout Error"));
    pool.intercept({ path: "/v2/", method: "GET" }).replyWithError(dns);
    pool.intercept({ path: "/v2/", method: "GET" }).replyWithError(eproto);
    const t = make({ dispatcher: agent, timeouts: { connect: 1234 } });
    const timeout = (await get(t, "reg.example")) as TimeoutError;
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.message).toBe("connect timeout (1234 ms) to reg.example (GET https://reg.example/v2/)");
    const notFound = (await get(t, "reg.example")) as RegistryUnreachableError;
    expect(notFound.message).toBe(
      "cannot reach registry reg.example: host not found (GET https://reg.example/v2/)",
    );
    expect(notFound.retryable).toBe(false);
    const tls = (await get(t, "reg.example")) as TlsError;
    expect(tls).toBeInstanceOf(TlsError);
    expect(tls.message).toMatch(/use --insecure \/ http\)$/);
    expect(tls.message).toContain("wrong version number (GET https://reg.example/v2/)");
    await agent.close();
  });
});

describe("TLS", () => {
  it("an untrusted self-signed certificate → TlsError with the --ca-file hint; with `ca` it works", async () => {
    const s = await serve((_req, res) => void res.end("secure"), { tls: true });
    const err = (await get(make({ scheme: "https" }), s.host)) as TlsError;
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toMatch(/self.signed certificate/);
    expect(err.hint).toBe("trust the registry's CA with --ca-file, or use --tls-skip-verify");
    expect(err.retryable).toBe(false);

    const trusted = await make({ scheme: "https", ca: TEST_CERT }).request({
      registry: s.host,
      method: "GET",
      path: "/v2/",
      scopes: [],
    });
    expect(await trusted.text()).toBe("secure");
    const skipped = await make({ scheme: "https", tlsSkipVerify: true }).request({
      registry: s.host,
      method: "GET",
      path: "/v2/",
      scopes: [],
    });
    expect(await skipped.text()).toBe("secure");
  });

  it("https to a plain-http port → TlsError suggesting --insecure / http", async () => {
    const s = await serve((_req, res) => void res.end("plain"));
    const err = (await get(make({ scheme: "https" }), s.host)) as TlsError;
    expect(err).toBeInstanceOf(TlsError);
    expect(err.hint).toBe("the registry seems to speak plain http: use --insecure / http");
  });

  it("https where the registry sent the request (an upload Location) on a plain-http port → the registry's address to fix, not --insecure", async () => {
    const s = await serve((_req, res) => void res.end("plain"));
    const err = (await make({ scheme: "http" })
      .request({
        registry: s.host,
        method: "PATCH",
        url: `https://${s.host}/v2/a/blobs/uploads/1`,
        scopes: [],
      })
      .catch((e: unknown) => e)) as TlsError;
    expect(err).toBeInstanceOf(TlsError);
    expect(err.hint).toContain(`https://${s.host} is where ${s.host} sent this request`);
    expect(err.hint).not.toContain("--insecure");
  });

  it("a loopback registry whose port speaks TLS and hangs up on plain http is switched to https (its certificate verified)", async () => {
    const s = await serve((_req, res) => void res.end("secure"), { tls: true });
    const t = make({ ca: TEST_CERT });
    await t.ping(s.host).catch(() => undefined);
    expect(t.baseUrl(s.host)).toBe(`https://${s.host}`);
    expect(
      await (await t.request({ registry: s.host, method: "GET", path: "/v2/x", scopes: [] })).text(),
    ).toBe("secure");
  });

  it("the switch happens on a request's own failure too (no ping first), and an insecure-listed loopback's https is not verified", async () => {
    const s = await serve((_req, res) => void res.end("secure"), { tls: true });
    const request = (t: Transport) =>
      t
        .request({ registry: s.host, method: "GET", path: "/v2/x/tags/list", scopes: [] })
        .then((r) => r.text());
    expect(await request(make({ ca: TEST_CERT }))).toBe("secure");
    // --insecure on loopback: the port's https, unverified, as docker's and skopeo's --tls-verify=false take it.
    expect(await request(make({ insecureRegistries: [s.host] }))).toBe("secure");
  });

  it("http to a TLS port → an error that suggests dropping --insecure / http, never a hang", async () => {
    const s = await serve((_req, res) => void res.end("secure"), { tls: true });
    const err = (await get(make({ scheme: "http" }), s.host)) as RegistryUnreachableError;
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.hint).toBe("if the registry only speaks https, do not use --insecure / http");
    // Without http chosen, the loopback default's https probe met the untrusted certificate: that is the error.
    const unchosen = (await get(make(), s.host)) as TlsError;
    expect(unchosen).toBeInstanceOf(TlsError);
    expect(unchosen.hint).toBe("trust the registry's CA with --ca-file, or use --tls-skip-verify");
  });
});
