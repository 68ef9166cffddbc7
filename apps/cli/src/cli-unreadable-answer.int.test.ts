/**
 * A registry that answers with bytes no HTTP client can read (headers of 100 kB, a status line that is none) was
 * reached: `regatta` says what it sent and exits 1, not 5 ("cannot reach", which scripts take for a network fault
 * worth retrying). And a blob whose 404 trickles its text for ever ends at --timeout with the registry's status.
 */
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.js";
import { regatta } from "./test-cli.js";

const PING =
  "HTTP/1.1 200 OK\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 2\r\n\r\n{}";

/** A raw TCP server: `/v2/` answers as a registry, every other request gets `answer`. */
async function registryAnswering(answer: string): Promise<{ server: Server; host: string }> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.on("data", (data) => {
      socket.write(data.toString("latin1").startsWith("GET /v2/ ") ? PING : answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, host: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe("regatta against a registry answering what it cannot read", () => {
  const servers: { close(cb: () => void): unknown }[] = [];
  let oversized: string;
  let garbled: string;
  let trickling: string;

  beforeAll(async () => {
    const big = await registryAnswering(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`);
    const bad = await registryAnswering("HTTP/1.1 2OO OK\r\n\r\n");
    const slow = createHttpServer((request, response) => {
      if (request.url === "/v2/") return void response.writeHead(200).end("{}");
      response.writeHead(404, { "content-type": "application/json" });
      response.write('{"errors":[{"code":"BLOB_UNKNOWN","message":"');
      const timer = setInterval(() => response.write("x"), 200);
      response.once("close", () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    servers.push(big.server, bad.server, slow);
    oversized = big.host;
    garbled = bad.host;
    trickling = `127.0.0.1:${(slow.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    for (const s of servers) {
      (s as Server).unref?.();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it("headers of 100 kB: exit 1, naming the headers and their limit", async () => {
    const out = await regatta(["tags", `${oversized}/a`], { killAfter: 60_000 });
    expect(out.code).toBe(EXIT.error);
    expect(out.stderr).toMatch(/sent response headers larger than \d+ bytes, more than Regatta reads/);
    expect(out.stderr).not.toContain("cannot reach");
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  it("a status line that is none: exit 1, an invalid HTTP response", async () => {
    const out = await regatta(["tags", `${garbled}/a`], { killAfter: 60_000 });
    expect(out.code).toBe(EXIT.error);
    expect(out.stderr).toContain(`registry ${garbled} sent an invalid HTTP response`);
    expect(out.stderr).not.toContain("cannot reach");
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  it("a blob whose 404 text trickles for ever: the 404 (exit 3) once --timeout has passed", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    const out = await regatta(
      ["blob", `${trickling}/a@${digest}`, "--timeout", "1", "--idle-timeout", "30"],
      {
        killAfter: 60_000,
      },
    );
    expect(out.code).toBe(EXIT.notFound);
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });
});
