/**
 * An error answer whose body trickles (a byte every 200 ms, for ever) ends at the request deadline (`--timeout`,
 * timeouts.request) on every kind of request: a streamed blob GET or upload PUT, which have no deadline of their own
 * (only the idle timeout, which a trickle never trips), and a small request. The socket is let go, not kept alive by
 * the trickle. A streamed request reports the registry's status with the bytes it got; a small request's attempt
 * runs out as a whole (timeouts.ts).
 */
import { Readable } from "node:stream";
import { NotFoundError, type RegattaError, RegistryError, TimeoutError } from "@regatta/errors";
import type { TestHandler } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { testbed } from "./test-helpers.js";
import type { RegistryRequest, TransportOptions } from "./types.js";

const { serve, make } = testbed({ retry: { attempts: 0 }, timeouts: { request: 400, idle: 10_000 } });

/** Generous on a loaded 2-core machine; without the bound the request never ends (the test's own timeout fails it). */
const BOUND_MS = 8_000;

/** Answers `status` once the request body is in, then sends its error text a byte every 200 ms until hung up on. */
function trickling(status: number, closed: Promise<void>[]): TestHandler {
  return (req, res) => {
    closed.push(new Promise((resolve) => res.once("close", () => resolve())));
    req.resume();
    req.once("end", () => {
      res.writeHead(status, { "content-type": "application/json" });
      res.write('{"errors":[{"code":"');
      const timer = setInterval(() => res.write("x"), 200);
      res.once("close", () => clearInterval(timer));
    });
  };
}

/** Starts a server answering `status` with a trickle, sends `req` to it, and returns the error and how long it took. */
async function failsAgainst(
  status: number,
  req: Omit<RegistryRequest, "registry">,
  options: TransportOptions = {},
): Promise<{ err: RegattaError & { status?: number }; ms: number; requests: number }> {
  const closed: Promise<void>[] = [];
  const s = await serve(trickling(status, closed));
  const start = performance.now();
  const err = await make(options)
    .request({ registry: s.host, ...req })
    .catch((e) => e);
  const ms = performance.now() - start;
  // The trickle did not keep the socket alive: the server saw every answer hung up on.
  await Promise.all(closed);
  return { err, ms, requests: s.requests.length };
}

describe("an error body trickled for ever ends at the request deadline", () => {
  it("a streamed blob GET: the registry's 404, and the socket let go", { timeout: 20_000 }, async () => {
    const blob = { method: "GET", path: "/v2/a/blobs/sha256:0", scopes: [], streaming: true };
    const { err, ms } = await failsAgainst(404, blob);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.status).toBe(404);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("a streamed upload PUT: the registry's 500", { timeout: 20_000 }, async () => {
    const body = Readable.from([Buffer.from("layer bytes")]);
    const put = { method: "PUT", path: "/v2/a/blobs/uploads/u?digest=sha256:0", body, scopes: [] };
    const { err, ms } = await failsAgainst(500, put);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(500);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("a streamed GET retried after a 500: each dumped answer is bounded too", {
    timeout: 30_000,
  }, async () => {
    const blob = { method: "GET", path: "/v2/a/blobs/sha256:0", scopes: [], streaming: true };
    const retry = { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
    const { err, ms, requests } = await failsAgainst(500, blob, retry);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(500);
    expect(requests).toBe(2);
    expect(ms).toBeLessThan(2 * BOUND_MS);
  });

  it("a small request: its attempt's deadline, a TimeoutError", { timeout: 20_000 }, async () => {
    const manifest = { method: "GET", path: "/v2/a/manifests/latest", scopes: [] };
    const { err, ms } = await failsAgainst(404, manifest);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain("request timeout (400 ms)");
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("--timeout 0 (none) leaves a streamed error body to the idle timeout, as asked", async () => {
    const closed: Promise<void>[] = [];
    const s = await serve((req, res) => {
      closed.push(new Promise((resolve) => res.once("close", () => resolve())));
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
      req.resume();
    });
    const err = await make({ timeouts: { request: 0 } })
      .request({ registry: s.host, method: "GET", path: "/v2/a/blobs/sha256:0", scopes: [], streaming: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("blob unknown");
  });
});
