import { createServer, request as httpRequest, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from "node:net";
import {
  AuthenticationError,
  type RegattaError,
  RegistryUnreachableError,
  TimeoutError,
} from "@regatta/errors";
import { startServer, TEST_CERT, type TestServer } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

/** A tiny HTTP proxy: CONNECT tunnels and absolute-form forwarding, recording what it was asked. */
async function startProxy() {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? "");
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
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
    const [host, port] = (req.url ?? "").split(":");
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

async function setup(tls = false) {
  const registry: TestServer = await startServer((_req, res) => void res.end("via proxy"), { tls });
  const proxy = await startProxy();
  cleanups.push(
    () => registry.close(),
    () => proxy.close(),
  );
  return { registry, proxy };
}

describe("proxies", () => {
  it("sends through an explicit proxy (CONNECT tunnel to an https registry)", async () => {
    const { registry, proxy } = await setup(true);
    const t = new Transport({ proxy: proxy.url, scheme: "https", ca: TEST_CERT, env: {} });
    cleanups.push(() => t.close());
    const res = await t.request({ registry: registry.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toEqual([`CONNECT ${registry.host}`]);
  });

  it("reads HTTP_PROXY from the injected env, and honours NO_PROXY", async () => {
    const { registry, proxy } = await setup();
    const viaEnv = new Transport({ env: { HTTP_PROXY: proxy.url } });
    cleanups.push(() => viaEnv.close());
    const res = await viaEnv.request({ registry: registry.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]).toContain(registry.host);

    const bypass = new Transport({ env: { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" } });
    cleanups.push(() => bypass.close());
    const direct = await bypass.request({ registry: registry.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await direct.text()).toBe("via proxy");
    expect(proxy.seen).toHaveLength(1);
    expect(registry.requests).toHaveLength(2);
  });

  it("an https proxy alone leaves plain-http registries direct, and reads lower-case names first", async () => {
    const { registry, proxy } = await setup();
    const httpsOnly = new Transport({ env: { HTTPS_PROXY: proxy.url } });
    cleanups.push(() => httpsOnly.close());
    const res = await httpsOnly.request({ registry: registry.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toEqual([]);

    const lower = new Transport({
      env: { http_proxy: proxy.url, HTTP_PROXY: "http://127.0.0.1:9", no_proxy: " " },
    });
    cleanups.push(() => lower.close());
    const viaLower = await lower.request({
      registry: registry.host,
      method: "GET",
      path: "/v2/",
      scopes: [],
    });
    expect(await viaLower.text()).toBe("via proxy");
    expect(proxy.seen).toHaveLength(1);
  });

  it("reads HTTPS_PROXY for an https registry (CONNECT tunnel)", async () => {
    const { registry, proxy } = await setup(true);
    const t = new Transport({ env: { HTTPS_PROXY: proxy.url }, scheme: "https", ca: TEST_CERT });
    cleanups.push(() => t.close());
    const res = await t.request({ registry: registry.host, method: "GET", path: "/v2/", scopes: [] });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.seen).toEqual([`CONNECT ${registry.host}`]);
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
        .request({ registry: "127.0.0.1:9", method: "GET", path: "/v2/", scopes: [] })
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
        .request({ registry: "127.0.0.1:9", method: "GET", path: "/v2/", scopes: [] })
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

  it("ignores process.env when env is injected without proxy variables", async () => {
    const { registry, proxy } = await setup();
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.url;
    try {
      const t = new Transport({ env: {} });
      cleanups.push(() => t.close());
      const res = await t.request({ registry: registry.host, method: "GET", path: "/v2/", scopes: [] });
      await res.dump();
      expect(proxy.seen).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    }
  });
});
