/**
 * Per-registry TLS (`hosts`): a registry's client certificate, CA, verification and connection limit go to that
 * registry's origin only, never to a blob redirect's, directly and through a proxy.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { TlsError } from "@regatta/errors";
import { TEST_CERT, TEST_KEY } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";
import type { TransportOptions } from "./types.js";

interface TlsServer {
  host: string;
  url: string;
  /** Common name of the client certificate of each request ("" when none was shown). */
  clients: string[];
  sockets: Set<Socket>;
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Listens on a free loopback port; `sockets` gets each connection (each TLS one once, as the TLS socket). */
async function listen(server: Server, sockets: Set<Socket>, event = "connection"): Promise<number> {
  server.on(event, (s: Socket) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/**
 * An https server with the test certificate. `requireClientCert` refuses a handshake without a client certificate
 * signed by the test certificate (the test key pair is its own CA and is reused as the client's certificate);
 * otherwise it asks for one and records whether it came. `redirect` answers every request with a 307 there.
 */
async function tlsServer(
  options: { requireClientCert?: boolean; redirect?: string } = {},
): Promise<TlsServer> {
  const clients: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpsServer(
    {
      key: TEST_KEY,
      cert: TEST_CERT,
      ca: TEST_CERT,
      requestCert: true,
      rejectUnauthorized: !!options.requireClientCert,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      clients.push(String(peer?.subject?.CN ?? ""));
      if (options.redirect) {
        res.writeHead(307, { location: options.redirect }).end();
        return;
      }
      setTimeout(() => res.end("ok"), 20);
    },
  );
  const port = await listen(server, sockets, "secureConnection");
  return { host: `127.0.0.1:${port}`, url: `https://127.0.0.1:${port}`, clients, sockets };
}

function transport(options: TransportOptions): Transport {
  const t = new Transport({ env: {}, retry: { attempts: 0 }, timeouts: { connect: 2000 }, ...options });
  cleanups.push(() => t.close());
  return t;
}

async function get(t: Transport, registry: string, path = "/v2/"): Promise<string> {
  const response = await t.request({ registry, method: "GET", path, scopes: [] });
  return response.text();
}

describe("per-registry TLS", () => {
  it("shows the registry's client certificate to that registry (mTLS), and a registry that requires one refuses without", async () => {
    const registry = await tlsServer({ requireClientCert: true });
    const withCert = transport({
      hosts: { [registry.host]: { scheme: "https", ca: TEST_CERT, cert: TEST_CERT, key: TEST_KEY } },
    });
    expect(await get(withCert, registry.host)).toBe("ok");
    expect(registry.clients).toEqual(["localhost"]);
    // The same registry and CA without the certificate: the handshake fails.
    const without = transport({ hosts: { [registry.host]: { scheme: "https", ca: TEST_CERT } } });
    await expect(get(without, registry.host)).rejects.toThrow();
    expect(registry.clients).toEqual(["localhost"]);
  });

  it("does not show the registry's client certificate to the origin a blob GET is redirected to", async () => {
    const storage = await tlsServer();
    const registry = await tlsServer({ requireClientCert: true, redirect: `${storage.url}/blob?sig=1` });
    // The test CA is trusted transport-wide, so the storage origin verifies: only the certificate is per registry.
    const t = transport({
      ca: TEST_CERT,
      hosts: { [registry.host]: { scheme: "https", cert: TEST_CERT, key: TEST_KEY } },
    });
    expect(await get(t, registry.host, "/v2/a/blobs/sha256:x")).toBe("ok");
    expect(registry.clients).toEqual(["localhost"]);
    expect(storage.clients).toEqual([""]);
  });

  it("trusts a registry's own CA for that registry only, not for the origin it redirects to", async () => {
    const storage = await tlsServer();
    const registry = await tlsServer({ redirect: `${storage.url}/blob` });
    const t = transport({ hosts: { [registry.host]: { scheme: "https", ca: TEST_CERT } } });
    await expect(get(t, registry.host, "/v2/a/blobs/sha256:x")).rejects.toThrow(/certificate|self.signed/i);
    // The registry itself was reached and verified; the storage origin, with the same private certificate, was not.
    expect(registry.clients).toEqual([""]);
    expect(storage.clients).toEqual([]);
  });

  it("skips verification for one registry only (tls insecure), and verifies it despite tlsSkipVerify when told", async () => {
    const a = await tlsServer();
    const b = await tlsServer();
    const t = transport({
      hosts: { [a.host]: { scheme: "https", tlsSkipVerify: true }, [b.host]: { scheme: "https" } },
    });
    expect(await get(t, a.host)).toBe("ok");
    await expect(get(t, b.host)).rejects.toThrow(/certificate|self.signed/i);
    const verifying = transport({
      tlsSkipVerify: true,
      hosts: { [b.host]: { scheme: "https", tlsSkipVerify: false } },
    });
    await expect(get(verifying, b.host)).rejects.toThrow(/certificate|self.signed/i);
  });

  it("limits the connections to one registry, leaving others the transport's limit", async () => {
    const limited = await tlsServer();
    const other = await tlsServer();
    const t = transport({
      ca: TEST_CERT,
      connections: 4,
      hosts: { [limited.host]: { scheme: "https", connections: 1 }, [other.host]: { scheme: "https" } },
    });
    await Promise.all([1, 2, 3].flatMap(() => [get(t, limited.host), get(t, other.host)]));
    expect(limited.sockets.size).toBe(1);
    expect(other.sockets.size).toBe(3);
  });

  it("speaks https to a loopback registry when its scheme says so, and http when it says so", async () => {
    const t = transport({ hosts: { "127.0.0.1:1": { scheme: "https" }, "localhost:2": { scheme: "http" } } });
    expect(t.baseUrl("127.0.0.1:1")).toBe("https://127.0.0.1:1");
    expect(t.baseUrl("localhost:2")).toBe("http://localhost:2");
    expect(t.baseUrl("127.0.0.1:3")).toBe("http://127.0.0.1:3");
  });
});

/** A CONNECT-only proxy that records the tunnels it opened. */
/**
 * A CONNECT proxy that connects `host:port` asked for where `routes` says: the registries behind it have names the
 * client never resolves, because a loopback destination is never proxied (proxy.ts).
 */
async function connectProxy(routes: Record<string, string>): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer();
  server.on("connect", (req, client: Socket, head) => {
    seen.push(req.url ?? "");
    sockets.add(client);
    const [host, port] = (routes[req.url ?? ""] ?? req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const port = await listen(server, sockets);
  return { url: `http://127.0.0.1:${port}`, seen };
}

describe("per-registry TLS through a proxy", () => {
  it.each([
    ["an explicit proxy", (url: string) => ({ proxy: url })],
    ["HTTPS_PROXY", (url: string) => ({ env: { HTTPS_PROXY: url } })],
  ])(
    "tunnels with the registry's certificate to the registry and without it to the redirect (%s)",
    async (_, via) => {
      const storage = await tlsServer();
      const registry = await tlsServer({ requireClientCert: true, redirect: "https://storage.test/blob" });
      const proxy = await connectProxy({
        "registry.test:443": registry.host,
        "storage.test:443": storage.host,
      });
      // The test certificate names localhost only, so neither name verifies: what is checked here is which
      // origin is shown the client certificate.
      const t = transport({
        ...via(proxy.url),
        tlsSkipVerify: true,
        hosts: { "registry.test": { scheme: "https", cert: TEST_CERT, key: TEST_KEY } },
      });
      expect(await get(t, "registry.test", "/v2/a/blobs/sha256:x")).toBe("ok");
      expect(registry.clients).toEqual(["localhost"]);
      expect(storage.clients).toEqual([""]);
      expect(proxy.seen).toEqual(["registry.test:443", "storage.test:443"]);
    },
  );
});

describe("a loopback port that speaks TLS with a certificate not trusted", () => {
  it("fails with the certificate error and its --ca-file hint, not the reset of the plain-http attempt", async () => {
    const registry = await tlsServer();
    // The loopback default: plain http first; the TLS port hangs up on it, the https probe meets the certificate.
    const t = transport({});
    const failure = await t.ping(registry.host).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TlsError);
    expect(String((failure as TlsError).message)).toMatch(/certificate/i);
    expect((failure as TlsError).hint).toMatch(/--ca-file/);
    // A request (not a ping) says the same.
    const request = await get(t, registry.host, "/v2/a/manifests/1").catch((e: unknown) => e);
    expect(request).toBeInstanceOf(TlsError);
    // Trusted, the same port is spoken to over https.
    expect(await get(transport({ ca: TEST_CERT }), registry.host)).toBe("ok");
  });
});
