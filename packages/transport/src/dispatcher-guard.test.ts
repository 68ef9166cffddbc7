/**
 * The address guard of dispatcher.ts without a network namespace: DNS answers are faked by replacing node:dns's
 * `lookup` for the duration of a test (the guard's `checkedLookup` reads it when the guard is built), so a name can
 * "resolve" to the metadata address. A destination the caller named is never checked; any other one is refused
 * before anything is sent when its literal or (behind a proxy) its resolved address is forbidden (issue 10).
 */
import { createRequire, syncBuiltinESMExports } from "node:module";
import { FORBIDDEN_ADDRESS } from "@regatta/auth";
import { startServer, type TestServer } from "@regatta/testkit";
import { type Dispatcher, MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { createDispatcher, guardDispatcher } from "./dispatcher.js";

const dns = createRequire(import.meta.url)("node:dns") as typeof import("node:dns");
const realLookup = dns.lookup;
const looked: string[] = [];
/** Makes every DNS lookup answer `address` (or fail with `code`), recording the names asked. */
function fakeDns(answer: { address: string } | { code: string }) {
  const fake = (hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      addresses?: unknown,
      family?: number,
    ) => void;
    looked.push(hostname);
    const all = typeof options === "object" && (options as { all?: boolean }).all;
    if ("code" in answer) return void cb(Object.assign(new Error(answer.code), { code: answer.code }));
    const family = answer.address.includes(":") ? 6 : 4;
    if (all) cb(null, [{ address: answer.address, family }]);
    else cb(null, answer.address, family);
  };
  dns.lookup = fake as unknown as typeof dns.lookup;
  syncBuiltinESMExports();
}

let servers: TestServer[] = [];
let dispatchers: Dispatcher[] = [];
afterEach(async () => {
  dns.lookup = realLookup;
  syncBuiltinESMExports();
  looked.length = 0;
  await Promise.all(dispatchers.map((d) => d.close()));
  await Promise.all(servers.map((s) => s.close()));
  dispatchers = [];
  servers = [];
});

/** A MockAgent answering "answered" to any request to `origin`. */
function answering(origin: string) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get(origin)
    .intercept({ path: () => true, method: () => true })
    .reply(200, "answered")
    .persist();
  return agent;
}

describe("guardDispatcher", () => {
  it("refuses a forbidden literal the caller did not name, and lets the same one through when named", async () => {
    const origin = "http://169.254.169.254";
    const agent = answering(origin);
    const refused = await guardDispatcher(agent, new Set())
      .request({ origin, path: "/latest/meta-data/", method: "GET" })
      .catch((e) => e);
    expect(refused.code).toBe(FORBIDDEN_ADDRESS);
    expect(refused.message).toMatch(/^refusing to connect to 169\.254\.169\.254: it is a link-local address/);
    const named = await guardDispatcher(agent, new Set([origin])).request({
      origin,
      path: "/",
      method: "GET",
    });
    expect(await named.body.text()).toBe("answered");
  });

  it("without resolveNames, names are not looked up (an injected dispatcher may fake them)", async () => {
    fakeDns({ address: "169.254.169.254" });
    const agent = answering("http://meta.test");
    const res = await guardDispatcher(agent, new Set()).request({
      origin: "http://meta.test",
      path: "/",
      method: "GET",
    });
    expect(await res.body.text()).toBe("answered");
    expect(looked).toEqual([]);
  });

  it("with resolveNames, a name resolving to a forbidden address is refused (request() handlers)", async () => {
    fakeDns({ address: "169.254.169.254" });
    const agent = answering("http://meta.test");
    const guarded = guardDispatcher(agent, new Set(), { resolveNames: true });
    const err = await guarded
      .request({ origin: "http://meta.test", path: "/", method: "GET" })
      .catch((e) => e);
    expect(err.code).toBe(FORBIDDEN_ADDRESS);
    expect(err.message).toMatch(/^refusing to connect to meta\.test \(169\.254\.169\.254\)/);
    expect(looked).toEqual(["meta.test"]);
  });

  it("with resolveNames, the refusal ends the request through the handler's onResponseError", async () => {
    fakeDns({ address: "fe80::1" });
    const guarded = guardDispatcher(answering("http://meta.test"), new Set(), { resolveNames: true });
    const opts = { origin: "http://meta.test", path: "/", method: "GET" as const };
    // A handler of undici's newer interface (which `request()` hands an interceptor wrapped as one, too).
    const ended = await new Promise<unknown[]>((resolve) => {
      setTimeout(() => resolve(["never ended"]), 1000);
      guarded.dispatch(opts, {
        onRequestStart: () => {},
        onResponseError: (...args: unknown[]) => resolve(args),
      } as unknown as Dispatcher.DispatchHandler);
    });
    expect(ended[0]).toBeNull();
    expect((ended[1] as { code?: string }).code).toBe(FORBIDDEN_ADDRESS);
    // An older handler (onError only) is wrapped by undici and ends the same way.
    const older = await new Promise<unknown>((resolve) => {
      setTimeout(() => resolve("never ended"), 1000);
      guarded.dispatch(opts, { onError: resolve } as unknown as Dispatcher.DispatchHandler);
    });
    expect((older as { code?: string }).code).toBe(FORBIDDEN_ADDRESS);
  });

  it("with resolveNames, an allowed answer or a failed lookup lets the request go (the proxy resolves)", async () => {
    for (const answer of [{ address: "10.1.2.3" }, { code: "ENOTFOUND" }]) {
      fakeDns(answer);
      const guarded = guardDispatcher(answering("http://storage.test"), new Set(), { resolveNames: true });
      const res = await guarded.request({ origin: "http://storage.test", path: "/", method: "GET" });
      expect(await res.body.text()).toBe("answered");
    }
    expect(looked).toEqual(["storage.test", "storage.test"]);
  });

  it("with resolveNames, an IP literal (IPv6 in brackets too) and a named origin are not looked up", async () => {
    fakeDns({ address: "169.254.169.254" });
    for (const origin of ["http://10.1.2.3", "http://[fd00::1]"]) {
      const guarded = guardDispatcher(answering(origin), new Set(), { resolveNames: true });
      const res = await guarded.request({ origin, path: "/", method: "GET" });
      expect(await res.body.text()).toBe("answered");
    }
    const named = guardDispatcher(answering("http://meta.test"), new Set(["http://meta.test"]), {
      resolveNames: true,
    });
    expect(
      await (await named.request({ origin: "http://meta.test", path: "/", method: "GET" })).body.text(),
    ).toBe("answered");
    expect(looked).toEqual([]);
  });
});

describe("createDispatcher", () => {
  const base = { connectTimeout: 2000, readTimeout: 2000, connections: 2, env: {} };

  it("connects to a name the caller did not name only after its addresses pass the policy", async () => {
    const s = await startServer((_req, res) => void res.end("registry"));
    servers.push(s);
    fakeDns({ address: "169.254.169.254" });
    const d = createDispatcher({ ...base, trustedOrigins: new Set() });
    dispatchers.push(d);
    const err = await d
      .request({ origin: `http://meta.test:${s.port}`, path: "/", method: "GET" })
      .catch((e) => e);
    expect(JSON.stringify({ code: err.code, cause: err.cause?.code })).toContain(FORBIDDEN_ADDRESS);
    expect(s.requests).toEqual([]);
    // A name that resolves to an allowed address is connected to.
    fakeDns({ address: "127.0.0.1" });
    const ok = createDispatcher({ ...base, trustedOrigins: new Set() });
    dispatchers.push(ok);
    const res = await ok.request({ origin: `http://fine.test:${s.port}`, path: "/", method: "GET" });
    expect(await res.body.text()).toBe("registry");
  });

  it("does not check the addresses of the registries the caller named", async () => {
    fakeDns({ address: "fe80::1" });
    const origin = "http://named.test:9";
    const d = createDispatcher({ ...base, connectTimeout: 300, trustedOrigins: new Set([origin]) });
    dispatchers.push(d);
    // Connected to (and failing as a connection fails), not refused by the address policy.
    const err = await d.request({ origin, path: "/", method: "GET" }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect([err.code, err.cause?.code]).not.toContain(FORBIDDEN_ADDRESS);
    expect(looked).toContain("named.test");
  });

  it("behind a proxy, a name is resolved first and refused when it resolves to a forbidden address", async () => {
    fakeDns({ address: "169.254.169.254" });
    // Nothing listens on the proxy's port: a request the guard let through would fail there, not as forbidden.
    for (const options of [{ proxy: "http://127.0.0.1:9" }, { env: { HTTP_PROXY: "http://127.0.0.1:9" } }]) {
      const d = createDispatcher({ ...base, ...options, trustedOrigins: new Set() });
      dispatchers.push(d);
      const err = await d.request({ origin: "http://meta.test", path: "/", method: "GET" }).catch((e) => e);
      expect(err.code).toBe(FORBIDDEN_ADDRESS);
    }
    expect(looked).toEqual(["meta.test", "meta.test"]);
  });

  it("uses one connection per origin when asked for one (a Client, not a Pool)", async () => {
    const s = await startServer((_req, res) => void setTimeout(() => res.end("x"), 30));
    servers.push(s);
    const d = createDispatcher({ ...base, connections: 1, trustedOrigins: new Set([s.origin]) });
    dispatchers.push(d);
    const sockets = new Set<unknown>();
    s.server.on("connection", (socket) => sockets.add(socket));
    await Promise.all(
      [1, 2, 3].map(async () =>
        (await d.request({ origin: s.origin, path: "/", method: "GET" })).body.text(),
      ),
    );
    expect(sockets.size).toBe(1);
  });
});
