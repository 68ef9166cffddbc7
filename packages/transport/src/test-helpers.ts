/**
 * Test-only (excluded from the build and from mutation): the loopback servers and transports one test starts,
 * stopped after it. Servers are closed first: a stalled answer's socket is only let go by the client when its idle
 * timeout fires, and closing the server ends it at once.
 */
import { Readable } from "node:stream";
import { startServer, type TestHandler, type TestServer } from "@regatta/testkit";
import { afterEach } from "vitest";
import { bodySource, type Exchange } from "./exchange.js";
import { Transport } from "./transport.js";
import type { TransportOptions } from "./types.js";

/** `serve` and `make` for one test file; `defaults` go into every transport it makes. */
export function testbed(defaults: TransportOptions = {}) {
  let servers: TestServer[] = [];
  let transports: Transport[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(transports.map((t) => t.close()));
    servers = [];
    transports = [];
  });
  return {
    /** Starts a loopback server, stopped after the test. */
    async serve(handler: TestHandler): Promise<TestServer> {
      const server = await startServer(handler);
      servers.push(server);
      return server;
    },
    /** Keeps a server started elsewhere, to stop it after the test. */
    keep(server: TestServer): TestServer {
      servers.push(server);
      return server;
    },
    /** A transport with the defaults and `options`, closed after the test. */
    make(options: TransportOptions = {}): Transport {
      const transport = new Transport({ ...defaults, ...options });
      transports.push(transport);
      return transport;
    },
  };
}

/** An exchange as the concerns see it: an anonymous GET of `https://reg.example/v2/`, changed by `overrides`. */
export function testExchange(overrides: Partial<Exchange> = {}): Exchange {
  return {
    registry: "reg.example",
    baseOrigin: "https://reg.example",
    method: "GET",
    url: new URL("https://reg.example/v2/"),
    headers: {},
    body: bodySource(undefined),
    scopes: [],
    idempotent: true,
    streaming: false,
    ...overrides,
  };
}

/** A body that takes its time: `pieces` chunks, one every `everyMs` (longer than a short request deadline). */
export function trickle(pieces = 4, everyMs = 40): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < pieces; i++) {
        await new Promise((r) => setTimeout(r, everyMs));
        yield Buffer.from("chunk");
      }
    })(),
  );
}

/** A signal its caller aborts after `ms` (AbortSignal.timeout would be a timeout: map-error.test.ts). */
export function abortSoon(ms = 50): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}
