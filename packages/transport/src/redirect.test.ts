import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { inspect } from "node:util";
import { ProtocolError, RegistryError } from "@regatta/errors";
import { FakeAuthenticator, startServer, TEST_CERT, TEST_KEY, type TestServer } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { HarRecorder } from "./har.js";
import { Transport } from "./transport.js";

let servers: TestServer[] = [];
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

const scopes = [{ type: "repository", name: "a", actions: ["pull"] }];

describe("redirect concern", () => {
  it("follows a blob redirect to storage and drops Authorization and Cookie when the origin changes", async () => {
    const storage = await serve((_req, res) => {
      res.setHeader("content-length", "4");
      res.end("blob");
    });
    const registry = await serve((req, res) => {
      if (req.url === "/v2/a/blobs/one") {
        res.writeHead(307, { location: "/v2/a/blobs/two" }); // same origin: credentials kept
      } else {
        res.writeHead(302, { location: `${storage.origin}/bucket/two?X-Amz-Signature=s3cr3t` });
      }
      res.end();
    });
    const lines: string[] = [];
    transport = new Transport({
      authenticator: new FakeAuthenticator("Bearer tok"),
      logger: (l) => lines.push(l),
    });
    const res = await transport.request({
      registry: registry.host,
      method: "GET",
      path: "/v2/a/blobs/one",
      headers: { Cookie: "session=1" },
      scopes,
    });
    expect(await res.text()).toBe("blob");
    expect(res.url).toBe(`${storage.origin}/bucket/two?X-Amz-Signature=s3cr3t`);
    expect(registry.requests.map((r) => [r.url, r.headers.authorization, r.headers.cookie])).toEqual([
      ["/v2/a/blobs/one", "Bearer tok", "session=1"],
      ["/v2/a/blobs/two", "Bearer tok", "session=1"],
    ]);
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
    expect(storage.requests[0]?.headers.cookie).toBeUndefined();
    expect(lines).toContain(`~ redirect 302 to ${storage.origin}/bucket/two?X-Amz-Signature=REDACTED`);
    expect(lines.join("\n")).not.toContain("s3cr3t");
  });

  it("takes every value it masks in a Location for a secret: storage quoting its presigned URL back shows none", async () => {
    const signatures = [
      "Sig-Val-555aaa",
      "Sig-Val-555bbb",
      "Sig-Val-555ccc",
      "Sig-Val-555hhh",
      "Sig-Val-555yyy",
    ];
    const storage = await serve((req, res) => {
      res.writeHead(403, { "content-type": "application/json" });
      // The fragment never reaches the storage host; one that knew it (from the registry) quotes it too.
      const message = `signature mismatch for ${req.url} (fragment frag=${signatures[4]})`;
      res.end(JSON.stringify({ errors: [{ code: "DENIED", message }] }));
    });
    const location =
      `${storage.origin}/bucket/m?X-Amz-Signature=${signatures[0]}&X-Goog-Signature=${signatures[1]}` +
      `&sig=${signatures[2]}&code=${signatures[3]}#frag=${signatures[4]}`;
    const registry = await serve((_req, res) => {
      res.writeHead(307, { location });
      res.end();
    });
    const lines: string[] = [];
    const har = new HarRecorder();
    transport = new Transport({ logger: (l) => lines.push(l), har });
    const err = (await transport
      .request({ registry: registry.host, method: "GET", path: "/v2/a/manifests/v1", scopes })
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toContain("signature mismatch for /bucket/m?X-Amz-Signature=REDACTED");
    // Fragments are not sent: not in what reached storage, nor in the hop's log line or HAR request URL.
    expect(storage.requests[0]?.url).not.toContain("#");
    expect(lines).toContain(
      `~ redirect 307 to ${storage.origin}/bucket/m?X-Amz-Signature=REDACTED&X-Goog-Signature=REDACTED&sig=REDACTED&code=REDACTED#REDACTED`,
    );
    expect(lines.filter((l) => l.includes("> GET")).join("\n")).not.toMatch(/\/bucket\/m\?\S*#/);
    const archive = JSON.stringify(har.toJSON());
    expect(archive).toContain("signature mismatch for /bucket/m?");
    for (const text of [
      err.message,
      err.stack,
      JSON.stringify(err),
      inspect(err, { depth: 10 }),
      archive,
      lines.join("\n"),
    ]) {
      for (const signature of signatures) expect(text).not.toContain(signature);
    }
  });

  it("fails after maxRedirects hops", async () => {
    const loop = await serve((_req, res) => {
      res.writeHead(301, { location: "/v2/loop" });
      res.end();
    });
    transport = new Transport({ maxRedirects: 2 });
    const err = await transport
      .request({ registry: loop.host, method: "GET", path: "/v2/loop", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/too many redirects \(more than 2\)/);
    expect(loop.requests).toHaveLength(3);
  });

  it("refuses a redirect to a non-http(s) URL", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(302, { location: "file:///etc/passwd" });
      res.end();
    });
    transport = new Transport();
    await expect(
      transport.request({ registry: s.host, method: "GET", path: "/v2/", scopes }),
    ).rejects.toThrow(/refusing redirect to a file: URL/);
  });

  it("does not follow redirects for other methods: the 3xx is an error unless expected", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(307, { location: "/elsewhere" });
      res.end();
    });
    transport = new Transport();
    const err = await transport
      .request({ registry: s.host, method: "POST", path: "/v2/a/blobs/uploads/", scopes })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(307);
    const res = await transport.request({
      registry: s.host,
      method: "DELETE",
      path: "/v2/a",
      scopes,
      expect: [307],
    });
    expect(res.headers.location).toBe("/elsewhere");
    await res.dump();
    expect(s.requests).toHaveLength(2);
  });

  it("drops credentials on an https→http redirect to the same host and port", async () => {
    // One port speaking both TLS and plain HTTP (told apart by the first byte, 0x16 for a TLS handshake), so the
    // only thing the redirect changes is the scheme: a check on host or host:port alone would keep the token and
    // send it in clear text. The origin (RFC 6454: scheme, host, port) is what must match.
    const seen: { scheme: string; url: string; authorization: string | undefined }[] = [];
    const handler = (scheme: string) => (req: IncomingMessage, res: import("node:http").ServerResponse) => {
      seen.push({ scheme, url: req.url ?? "", authorization: req.headers.authorization });
      if (scheme === "https") {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/v2/a/blobs/plain` });
        res.end();
      } else {
        res.end("blob");
      }
    };
    const https = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, handler("https"));
    const http = createHttpServer(handler("http"));
    const dual = createNetServer((socket) => {
      socket.once("readable", () => {
        const first: Buffer | null = socket.read(1);
        if (!first) return socket.destroy();
        socket.unshift(first);
        (first[0] === 0x16 ? https : http).emit("connection", socket);
      });
    });
    await new Promise<void>((resolve) => dual.listen(0, "127.0.0.1", resolve));
    const port = (dual.address() as AddressInfo).port;
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          https.closeAllConnections();
          http.closeAllConnections();
          dual.close(() => resolve());
        }),
    } as TestServer);

    transport = new Transport({
      scheme: "https",
      ca: TEST_CERT,
      authenticator: new FakeAuthenticator("Bearer tok"),
    });
    const res = await transport.request({
      registry: `127.0.0.1:${port}`,
      method: "GET",
      path: "/v2/a/blobs/secure",
      scopes,
    });
    expect(await res.text()).toBe("blob");
    expect(seen).toEqual([
      { scheme: "https", url: "/v2/a/blobs/secure", authorization: "Bearer tok" },
      { scheme: "http", url: "/v2/a/blobs/plain", authorization: undefined },
    ]);
  });
});
