/**
 * A host that answers, but with bytes Regatta cannot read as HTTP (headers of 100 kB, a status line that is no status
 * line), is the registry's protocol fault: a ProtocolError naming the cause, not "cannot reach" (the network's, exit 5,
 * which scripts retry). A connection cut before the body its Content-Length announced stays a cut: retried.
 */
import { maxHeaderSize } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { ProtocolError, RegistryUnreachableError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { testbed } from "./test-helpers.js";

const { make } = testbed({ retry: { attempts: 0 } });

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

/** A raw TCP server on 127.0.0.1 that writes `answer` to every request it gets, then hangs up. */
async function answering(answer: string): Promise<{ host: string; requests: () => number }> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", () => {
      requests++;
      socket.end(answer);
    });
  });
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  const { port } = server.address() as { port: number };
  return { host: `127.0.0.1:${port}`, requests: () => requests };
}

const get = (host: string) =>
  make()
    .request({ registry: host, method: "GET", path: "/v2/a/manifests/latest", scopes: [] })
    .catch((e) => e);

describe("an answer Regatta cannot read", () => {
  it("headers of 100 kB: a ProtocolError saying they are larger than it reads", async () => {
    const { host } = await answering(
      `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(100_000)}\r\nContent-Length: 0\r\n\r\n`,
    );
    const err = await get(host);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).not.toBeInstanceOf(RegistryUnreachableError);
    expect(err.code).toBe("HEADERS_TOO_LARGE");
    expect(err.summary).toBe(
      `registry ${host} sent response headers larger than ${maxHeaderSize} bytes, more than Regatta reads (GET http://${host}/v2/a/manifests/latest)`,
    );
  });

  it("many small headers over the limit, on a streamed blob GET, are the same fault", async () => {
    const { host } = await answering(`HTTP/1.1 404 Not Found\r\n${"X-A: b\r\n".repeat(20_000)}\r\n`);
    const err = await make()
      .request({ registry: host, method: "GET", path: "/v2/a/blobs/sha256:0", scopes: [], streaming: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe("HEADERS_TOO_LARGE");
  });

  it("a status line that is none: a ProtocolError quoting what the parser said", async () => {
    const { host } = await answering("HTTP/1.1 2OO OK\r\n\r\n");
    const err = await get(host);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).not.toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toContain(`registry ${host} sent an invalid HTTP response`);
    expect(err.message).toContain("Invalid status code");
  });

  it("a body cut before its Content-Length on a closing connection is a cut, retried", async () => {
    const { host, requests } = await answering(
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\nabc",
    );
    const err = await make({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })
      .request({ registry: host, method: "GET", path: "/v2/a/manifests/latest", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toContain("connection closed before the whole body its Content-Length announced");
    expect(requests()).toBe(2);
  });
});
