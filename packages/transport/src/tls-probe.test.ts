/**
 * The https probe of a loopback registry whose plain-http port hung up (transport.ts #tlsAnswers): a diagnosis, not
 * a request the user made. One attempt, no retries, a deadline of its own (the connect timeout, at most 2 s): a port
 * that accepts TCP and never answers a TLS handshake held a command that had failed in under a second for 42.7 s (4
 * attempts of the 10 s connect timeout). And the error then does not suggest https, which the probe found nowhere.
 */
import { createServer, type Server, type Socket } from "node:net";
import { RegistryUnreachableError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";
import type { TransportOptions } from "./types.js";

let servers: Server[] = [];
let sockets: Socket[] = [];
let transports: Transport[] = [];
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(transports.map((t) => t.close()));
  servers = [];
  sockets = [];
  transports = [];
});

/**
 * A port that drops every plain-http request (reads it, then destroys the socket unanswered) and holds a TLS
 * ClientHello (first byte 0x16) forever unanswered. Counts the handshakes it was sent.
 */
async function droppingPort(): Promise<{ host: string; handshakes: () => number }> {
  let handshakes = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once("data", (chunk) => {
      if (chunk[0] === 0x16) handshakes++;
      else socket.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { host: `127.0.0.1:${port}`, handshakes: () => handshakes };
}

function transport(options: TransportOptions = {}): Transport {
  const t = new Transport({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, ...options });
  transports.push(t);
  return t;
}

describe("the https probe after a dropped plain-http connection", () => {
  it("is one attempt with a short deadline, and the error does not suggest https", async () => {
    const port = await droppingPort();
    // The default 10 s connect timeout: the probe gives up after 2 s, not after 4 × 10 s.
    const t = transport();
    const started = performance.now();
    const error = await t
      .request({ registry: port.host, method: "GET", path: "/v2/a/tags/list", scopes: [] })
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(RegistryUnreachableError);
    expect(port.handshakes()).toBe(1);
    expect(elapsed).toBeLessThan(4_000);
    expect((error as Error).message).not.toMatch(/https/);
    expect((error as RegistryUnreachableError).hint).toMatch(/no TLS/);
    expect(t.baseUrl(port.host)).toBe(`http://${port.host}`);
  }, 20_000);

  it("is bounded by a shorter connect timeout", async () => {
    const port = await droppingPort();
    const t = transport({ timeouts: { connect: 300 } });
    const started = performance.now();
    const error = await t.ping(port.host).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnreachableError);
    expect(port.handshakes()).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect((error as Error).message).not.toMatch(/https/);
  }, 20_000);
});
