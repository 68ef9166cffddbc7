import { createServer, request as httpRequest, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from "node:net";
import { inspect } from "node:util";
import {
  AuthenticationError,
  type RegattaError,
  RegistryUnreachableError,
  TimeoutError,
  TlsError,
  UsageError,
} from "@regatta/errors";
import { startServer, type TestServer } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { HarRecorder } from "./har.js";
import { Transport } from "./transport.js";

/**
 * A tiny HTTP proxy: CONNECT tunnels and absolute-form forwarding, recording what it was asked. `routes` maps a
 * `host:port` asked for to where the proxy really connects, so that names the client never resolves
 * (`registry.test`) reach the test's loopback servers: the client must not proxy loopback destinations itself.
 */
async function startProxy(routes: Record<string, string> = {}) {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? "");
    // Absolute form (a plain-http registry): routed as a CONNECT to the same host and port would be.
    const [host, port] = (routes[`${target.hostname}:${target.port || 80}`] ?? target.host).split(":");
    const upstream = httpRequest(
      {
        host,
        port: port || 80,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.on("connection", (s) => sockets.add(s));
  server.on("connect", (req, client: Socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    sockets.add(client);
    const [host, port] = (routes[req.url ?? ""] ?? req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * A "proxy" that takes TCP connections, reads what comes and never answers (closed after the test). Its sockets are
 * kept so that a test can see the client did connect.
 */
async function silentProxy(): Promise<{ port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, sockets };
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A registry the client knows as `name` (never resolved: the proxy connects to it), behind a routing proxy. */
async function setup(tls = false, name = tls ? "registry.test:443" : "registry.test:80") {
  const registry: TestServer = await startServer((_req, res) => void res.end("via proxy"), { tls });
  const proxy = await startProxy({ [name]: registry.host });
  cleanups.push(
    () => registry.close(),
    () => proxy.close(),
  );
  return { registry, proxy, name };
}

/** Listens on a free loopback port (closed after the test): the server's URL. */
async function listening(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const server = createNetServer();
    server.listen(0, "127.0.0.1", () => {
      const p = (server.address() as AddressInfo).port;
      server.close(() => resolve(p));
    });
  });
}

/** What a `GET /v2/` of `registry` through `t` fails with (`t` closed after the test). */
async function failure(t: Transport, registry: string): Promise<RegattaError> {
  cleanups.push(() => t.close());
  return (await t
    .request({ registry, method: "GET", path: "/v2/", scopes: [] })
    .catch((e: unknown) => e)) as RegattaError;
}

describe("proxies", () => {
  it("sends through an explicit proxy (CONNECT tunnel to an https registry)", async () => {
    const { proxy, name } = await setup(true);
    // The test certificate names localhost, not registry.test: verification is not what this test is about.
    const t = new Transport({ proxy: proxy.url, scheme: "https", tlsSkipVerify: true, env: {} });
    cleanups.push(() => t.close());
    const res = await t.request({ registry: name, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toEqual([`CONNECT ${name}`]);
  });

  it("names the proxy of each proxied hop in the -v log and the HAR, without its user or password", async () => {
    const { proxy, name } = await setup();
    const direct = await startServer((_req, res) => void res.end("direct"));
    cleanups.push(() => direct.close());
    const withUser = proxy.url.replace("//", "//proxyuser:pr0xy-s3cret@");
    const lines: string[] = [];
    const har = new HarRecorder();
    const t = new Transport({
      env: { HTTP_PROXY: withUser },
      scheme: "http",
      logger: (l) => lines.push(l),
      har,
    });
    cleanups.push(() => t.close());
    await (await t.request({ registry: name, method: "GET", path: "/v2/", scopes: [] })).text();
    // A loopback registry is never proxied: its hop says nothing of a proxy.
    await (await t.request({ registry: direct.host, method: "GET", path: "/v2/", scopes: [] })).text();
    const via = `via proxy ${proxy.url} (from HTTP_PROXY)`;
    expect(lines.filter((l) => l.includes(" > GET"))).toEqual([
      `[#1] > GET http://${name.replace(":80", "")}/v2/ ${via}`,
      `[#2] > GET http://${direct.host}/v2/`,
    ]);
    const requests = har.toJSON().log.entries.map((e) => e.request);
    expect(requests.map((r) => r.comment)).toEqual([via, undefined]);
    const archive = JSON.stringify(har.toJSON());
    for (const text of [lines.join("\n"), archive]) expect(text).not.toMatch(/proxyuser|pr0xy-s3cret/);
  });

  it("uses only the host and port of a proxy URL with a path, query or fragment, as Go and curl do", async () => {
    const { proxy, name } = await setup();
    for (const suffix of ["/proxy", "/proxy/?access_token=X", "/#frag"]) {
      const t = new Transport({
        env: { HTTP_PROXY: `${proxy.url}${suffix}` },
        scheme: "http",
        retry: { attempts: 0 },
      });
      cleanups.push(() => t.close());
      const res = await t.request({ registry: name, method: "GET", path: "/v2/", scopes: [] });
      expect(await res.text()).toBe("via proxy");
    }
    // A plain-http registry is asked in absolute form, not through a CONNECT tunnel (squid refuses CONNECT to :80).
    expect(proxy.seen).toEqual(Array(3).fill("GET http://registry.test/v2/"));
  });

  it("reads HTTP_PROXY from the injected env, and honours NO_PROXY", async () => {
    const { proxy, name } = await setup();
    const viaEnv = new Transport({ env: { HTTP_PROXY: proxy.url }, scheme: "http" });
    cleanups.push(() => viaEnv.close());
    const res = await viaEnv.request({ registry: name, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toEqual(["GET http://registry.test/v2/"]);

    // Direct: registry.test does not resolve, so the request fails, and the proxy was not asked.
    const bypass = new Transport({
      env: { HTTP_PROXY: proxy.url, NO_PROXY: "other.test,.registry.test,registry.test" },
      scheme: "http",
      retry: { attempts: 0 },
    });
    cleanups.push(() => bypass.close());
    const err = await bypass
      .request({ registry: name, method: "GET", path: "/v2/", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(proxy.seen).toHaveLength(1);
  });

  it.each([
    ["--proxy", (url: string) => ({ proxy: url, env: {} })],
    ["HTTP_PROXY", (url: string) => ({ env: { HTTP_PROXY: url, HTTPS_PROXY: url } })],
  ] as const)(
    "never sends a loopback registry through the proxy (%s): the proxy's loopback is another machine",
    async (_, config) => {
      const registry = await startServer((req, res) => void res.end(req.headers.authorization ?? ""));
      const proxy = await startProxy();
      cleanups.push(
        () => registry.close(),
        () => proxy.close(),
      );
      const port = registry.host.split(":")[1];
      // 0.0.0.0 reaches this machine too (Linux and macOS connect it to loopback), and the address policy counts
      // it as this machine: through the proxy it would reach the proxy's machine, Basic credentials in clear.
      const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `127.1:${port}`, `0.0.0.0:${port}`];
      for (const host of hosts) {
        const t = new Transport({ ...config(proxy.url), scheme: "http" });
        cleanups.push(() => t.close());
        const res = await t.request({ registry: host, method: "GET", path: "/v2/", scopes: [] });
        await res.dump();
        expect(res.status).toBe(200);
      }
      expect(proxy.seen).toEqual([]);
      expect(registry.requests).toHaveLength(hosts.length);
    },
  );

  it("a redirect through the proxy carries the next hop's Host, not the registry's", async () => {
    const cdn = await startServer((_req, res) => void res.end("blob"));
    const registry = await startServer((_req, res) => {
      res.writeHead(307, { location: "http://cdn.test/blob?sig=1" }).end();
    });
    const proxy = await startProxy({ "registry.test:80": registry.host, "cdn.test:80": cdn.host });
    cleanups.push(
      () => cdn.close(),
      () => registry.close(),
      () => proxy.close(),
    );
    for (const config of [{ proxy: proxy.url, env: {} }, { env: { HTTP_PROXY: proxy.url } }]) {
      const t = new Transport({ ...config, scheme: "http" });
      cleanups.push(() => t.close());
      const res = await t.request({
        registry: "registry.test",
        method: "GET",
        path: "/v2/r/blobs/x",
        scopes: [],
      });
      expect(await res.text()).toBe("blob");
    }
    expect(proxy.seen).toEqual([
      "GET http://registry.test/v2/r/blobs/x",
      "GET http://cdn.test/blob?sig=1",
      "GET http://registry.test/v2/r/blobs/x",
      "GET http://cdn.test/blob?sig=1",
    ]);
    expect(registry.requests.map((r) => r.headers.host)).toEqual(["registry.test", "registry.test"]);
    expect(cdn.requests.map((r) => r.headers.host)).toEqual(["cdn.test", "cdn.test"]);
  });

  it("an https proxy alone leaves plain-http registries direct, and reads lower-case names first", async () => {
    const { proxy, name } = await setup();
    const httpsOnly = new Transport({
      env: { HTTPS_PROXY: proxy.url },
      scheme: "http",
      retry: { attempts: 0 },
    });
    cleanups.push(() => httpsOnly.close());
    // Direct: registry.test does not resolve, and the proxy was not asked.
    const err = await httpsOnly
      .request({ registry: name, method: "GET", path: "/v2/", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(proxy.seen).toEqual([]);

    const lower = new Transport({
      env: { http_proxy: proxy.url, HTTP_PROXY: "http://127.0.0.1:9", no_proxy: " " },
      scheme: "http",
    });
    cleanups.push(() => lower.close());
    const viaLower = await lower.request({
      registry: name,
      method: "GET",
      path: "/v2/",
      scopes: [],
    });
    expect(await viaLower.text()).toBe("via proxy");
    expect(proxy.seen).toHaveLength(1);
  });

  it("reads HTTPS_PROXY for an https registry (CONNECT tunnel)", async () => {
    const { proxy, name } = await setup(true);
    const t = new Transport({ env: { HTTPS_PROXY: proxy.url }, scheme: "https", tlsSkipVerify: true });
    cleanups.push(() => t.close());
    const res = await t.request({ registry: name, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toEqual([`CONNECT ${name}`]);
  });

  it("gives up on an https proxy that never finishes its handshake within the connect timeout", async () => {
    // Accepts the TCP connection and says nothing: the TLS handshake with the proxy never ends.
    const { port } = await silentProxy();
    const proxyUrl = `https://127.0.0.1:${port}`;
    for (const options of [{ proxy: proxyUrl, env: {} }, { env: { HTTP_PROXY: proxyUrl } }]) {
      const t = new Transport({ ...options, timeouts: { connect: 200 }, retry: { attempts: 0 } });
      cleanups.push(() => t.close());
      const started = performance.now();
      const err = await t
        .request({ registry: "registry.test:9", method: "GET", path: "/v2/", scopes: [] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(performance.now() - started).toBeLessThan(3000);
    }
  });

  it("gives up on an http proxy that takes the connection and never answers the CONNECT, within the connect timeout", async () => {
    // Reads the CONNECT and says nothing: undici's own wait for the answer would be 300 s.
    const { port, sockets } = await silentProxy();
    const proxyUrl = `http://127.0.0.1:${port}`;
    for (const options of [{ proxy: proxyUrl, env: {} }, { env: { HTTPS_PROXY: proxyUrl } }]) {
      const t = new Transport({
        ...options,
        scheme: "https",
        timeouts: { connect: 300 },
        retry: { attempts: 0 },
      });
      cleanups.push(() => t.close());
      const started = performance.now();
      const err = await t
        .request({ registry: "registry.test:9", method: "GET", path: "/v2/", scopes: [] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      // The flag that bounds it is the connect timeout, and the error says so (not the read timeout's 30 s).
      expect((err as Error).message).toContain("connect timeout (300 ms)");
      expect(performance.now() - started).toBeLessThan(3000);
      expect(sockets.size).toBeGreaterThan(0);
    }
  });

  it.each([
    [407, AuthenticationError, "PROXY_AUTHENTICATION", "the proxy wants credentials of its own"],
    [502, RegistryUnreachableError, "PROXY_REFUSED", "check --proxy"],
  ] as const)(
    "a proxy answering CONNECT with %i is the proxy's refusal, not an abort",
    async (status, type, code, hint) => {
      const server = createServer((_req, res) => res.writeHead(405).end());
      server.on("connect", (_req, socket: Socket) => {
        socket.end(
          `HTTP/1.1 ${status} Refused\r\nProxy-Authenticate: Basic realm="p"\r\nContent-Length: 0\r\n\r\n`,
        );
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
      const proxy = `http://u:Pr0xy-pw@127.0.0.1:${(server.address() as AddressInfo).port}`;
      const t = new Transport({ proxy, scheme: "https", env: {}, retry: { attempts: 0 } });
      cleanups.push(() => t.close());
      const err = (await t
        .request({ registry: "registry.test:443", method: "GET", path: "/v2/", scopes: [] })
        .catch((e: unknown) => e)) as RegattaError;
      expect(err).toBeInstanceOf(type);
      expect([err.code, err.status]).toEqual([code, status]);
      expect(err.message).toContain(`the proxy refused to connect to registry.test: ${status}`);
      expect(err.hint).toContain(hint);
      expect(JSON.stringify(err)).not.toContain("Pr0xy-pw");
    },
  );

  it.each([
    [407, "give or check the user and password in the proxy URL (https_proxy)"],
    [403, "check https_proxy (or NO_PROXY): the proxy may not allow this host or port"],
  ] as const)(
    "a proxy refusal (%i) names the setting the proxy came from (https_proxy here), not always HTTPS_PROXY",
    async (status, hint) => {
      const server = createServer((_req, res) => res.writeHead(405).end());
      server.on("connect", (_req, socket: Socket) => {
        socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\n\r\n`);
      });
      const proxy = await listening(server);
      const t = new Transport({ scheme: "https", env: { https_proxy: proxy }, retry: { attempts: 0 } });
      const err = await failure(t, "registry.test");
      expect(err.status).toBe(status);
      expect(err.hint).toContain(hint);
      expect(err.hint).not.toContain("HTTPS_PROXY");
    },
  );

  it("asks a plain-http registry through an http proxy in absolute form (GET http://…), never CONNECT: squid's default refuses CONNECT to ports but 443", async () => {
    const seen: string[] = [];
    // A proxy that forwards GETs only, as squid does for a plain-http port: CONNECT is refused.
    const server = createServer((req, res) => {
      seen.push(
        `${req.method} ${req.url} ${req.headers["proxy-authorization"] ?? "-"} ${req.headers.authorization ?? "-"}`,
      );
      res.writeHead(200, {
        "docker-distribution-api-version": "registry/2.0",
        "content-type": "application/json",
      });
      res.end("{}");
    });
    server.on("connect", (req, socket: Socket) => {
      seen.push(`CONNECT ${req.url}`);
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    });
    const proxy = await listening(server);
    const t = new Transport({
      scheme: "http",
      env: { HTTP_PROXY: proxy.replace("//", "//pu:Pr0xy-pw@") },
      retry: { attempts: 0 },
    });
    cleanups.push(() => t.close());
    const res = await t.request({ registry: "registry.test:5000", method: "GET", path: "/v2/", scopes: [] });
    expect(res.status).toBe(200);
    const basic = `Basic ${Buffer.from("pu:Pr0xy-pw").toString("base64")}`;
    expect(seen).toEqual([`GET http://registry.test:5000/v2/ ${basic} -`]);
  });

  it("a plain-http registry's proxy answering 407 is the proxy's authentication (exit 4), not a request not sent", async () => {
    const server = createServer((_req, res) =>
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="p"' }).end(),
    );
    const proxy = await listening(server);
    const t = new Transport({ scheme: "http", env: { HTTP_PROXY: proxy }, retry: { attempts: 0 } });
    const err = await failure(t, "registry.test:5000");
    expect(err).toBeInstanceOf(AuthenticationError);
    expect([err.code, err.status]).toEqual(["PROXY_AUTHENTICATION", 407]);
    expect(err.hint).toContain("(--proxy, or HTTP_PROXY)");
  });

  it("a plain-http registry's proxy that cannot be reached is named with its setting, not blamed on the registry", async () => {
    const closed = await closedPort();
    const t = new Transport({
      scheme: "http",
      env: { HTTP_PROXY: `http://127.0.0.1:${closed}` },
      retry: { attempts: 0 },
    });
    const err = await failure(t, "registry.test:5000");
    expect(err.code).toBe("PROXY_UNREACHABLE");
    expect(err.message).toContain(`cannot reach the proxy http://127.0.0.1:${closed} (from HTTP_PROXY)`);
    expect(err.hint).toContain("HTTP_PROXY");
  });

  it("ignores process.env when env is injected without proxy variables", async () => {
    const { proxy, name } = await setup();
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.url;
    try {
      const t = new Transport({ env: {}, retry: { attempts: 0 } });
      cleanups.push(() => t.close());
      await t.request({ registry: name, method: "GET", path: "/v2/", scopes: [] }).catch(() => undefined);
      expect(proxy.seen).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    }
  });

  it.each([
    ["--proxy", (url: string) => ({ proxy: url, env: {} })],
    ["HTTPS_PROXY", (url: string) => ({ env: { HTTPS_PROXY: url } })],
  ] as const)(
    "a proxy that cannot be reached (%s) is named, with its setting, not blamed on the registry",
    async (source, config) => {
      // A port nothing listens on, and a proxy that speaks plain http only.
      const closed = await closedPort();
      const plain = await startProxy();
      cleanups.push(() => plain.close());
      const cases = [
        [
          `http://pu:Pr0xy-pw@127.0.0.1:${closed}`,
          RegistryUnreachableError,
          `cannot reach the proxy http://127.0.0.1:${closed} (from ${source}): connection refused`,
          "check the proxy setting",
        ],
        // An https:// URL for a proxy that speaks plain http (it answers the ClientHello with an HTTP 400).
        [
          `https://pu:Pr0xy-pw@127.0.0.1:${new URL(plain.url).port}`,
          TlsError,
          `TLS handshake with the proxy https://127.0.0.1:`,
          "write http://",
        ],
      ] as const;
      for (const [url, type, message, hint] of cases) {
        const t = new Transport({ ...config(url), scheme: "https", retry: { attempts: 0 } });
        cleanups.push(() => t.close());
        const err = (await t
          .request({ registry: "registry.test", method: "GET", path: "/v2/", scopes: [] })
          .catch((e: unknown) => e)) as RegattaError;
        expect(err).toBeInstanceOf(type);
        expect(err.code).toBe("PROXY_UNREACHABLE");
        expect(err.message).toContain(message);
        expect(err.message).not.toContain("registry registry.test");
        expect(err.hint).toContain(hint);
        expect(err.hint).not.toContain("--insecure");
        expect(JSON.stringify(err)).not.toContain("Pr0xy-pw");
        expect(inspect(err, { depth: 8 })).not.toContain("Pr0xy-pw");
      }
    },
  );

  it("a malformed proxy URL is a UsageError, and the proxy password is a secret of the client", () => {
    expect(() => new Transport({ proxy: "http://pu:Pr0xy-pw@127.0.0.1:99999", env: {} })).toThrow(UsageError);
    const t = new Transport({ proxy: "http://pu:Pr0xy-pw@127.0.0.1:3128", env: {} });
    cleanups.push(() => t.close());
    expect(t.secrets.ranges("x Pr0xy-pw y")).toEqual([[2, 10]]);
  });
});
