import { createServer, type Server, type Socket } from "node:net";
import { TimeoutError, UsageError } from "@regatta/errors";
import { startServer, type TestHandler, type TestServer } from "@regatta/testkit";
import { errors, MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { resolveTimeouts } from "./timeouts.js";
import { Transport } from "./transport.js";
import type { TransportOptions } from "./types.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});
async function serve(handler: TestHandler): Promise<TestServer> {
  const s = await startServer(handler);
  cleanup.push(() => s.close());
  return s;
}
function make(options: TransportOptions): Transport {
  const t = new Transport(options);
  cleanup.push(() => t.close());
  return t;
}
describe("resolveTimeouts", () => {
  it("fills in the defaults, takes the old `read` as `idle`, and refuses nonsense", () => {
    expect(resolveTimeouts()).toEqual({ connect: 10_000, idle: 30_000, request: 60_000 });
    expect(resolveTimeouts({ read: 5 })).toEqual({ connect: 10_000, idle: 5, request: 60_000 });
    expect(resolveTimeouts({ read: 5, idle: 7, request: 0 })).toMatchObject({ idle: 7, request: 0 });
    for (const bad of [{ connect: 0 }, { idle: -1 }, { request: Number.NaN }, { idle: Infinity }]) {
      expect(() => resolveTimeouts(bad)).toThrow(UsageError);
    }
  });
});

describe("idle timeout", () => {
  it("a server that accepts connections and never answers is given up on after one idle timeout, not four", async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as { port: number };
    const t = make({ timeouts: { idle: 300 }, retry: { attempts: 3 } });
    const started = performance.now();
    const err = await t.ping(`127.0.0.1:${port}`).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(sockets.size).toBe(1);
  });
});

describe("connect timeout", () => {
  it("is retried within the budget: a dead host is given up on after (retries + 1) connect attempts", async () => {
    const waits: number[] = [];
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get("http://127.0.0.1:9")
      .intercept({ path: "/v2/" })
      .replyWithError(new errors.ConnectTimeoutError())
      .times(3);
    cleanup.push(() => agent.close());
    const t = make({
      dispatcher: agent,
      retry: { attempts: 2 },
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
    });
    const err = await t.ping("127.0.0.1:9").catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toMatch(/^ping 127\.0\.0\.1:9: connect timeout \(10000 ms\) to 127\.0\.0\.1:9/);
    expect(waits).toEqual([200, 400]); // two retries after the first attempt, with backoff
    agent.assertNoPendingInterceptors(); // all three attempts were made
  });
});

describe("request deadline", () => {
  it("a small answer that keeps trickling is cut at the deadline, body included", async () => {
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      for (let i = 0; i < 20 && !res.destroyed; i++) {
        res.write(" ");
        await sleep(50);
      }
      res.end("{}");
    });
    const t = make({ timeouts: { idle: 1000, request: 300 }, retry: { attempts: 3 } });
    const started = performance.now();
    const err = await t
      .request({ registry: s.host, method: "GET", path: "/v2/x/tags/list", scopes: [] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.summary).toBe(`request timeout (300 ms) (GET http://${s.host}/v2/x/tags/list)`);
    expect(s.requests).toHaveLength(1); // a slow attempt is not a broken one: not retried
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
