/**
 * The address guard of dispatcher.ts without a network namespace: DNS answers are faked by replacing node:dns's
 * `lookup` for the duration of a test (the guard's `checkedLookup` reads it when the guard is built), so a name can
 * "resolve" to the metadata address. A destination the caller named is never checked; any other one is refused
 * before anything is sent when its literal or (behind a proxy) its resolved address is forbidden (issue 10), and a
 * loopback one while no registry the caller named is on this machine (LoopbackTrust in @regatta/auth).
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
/**
 * Makes every DNS lookup answer `address` (or fail with `code`), or each name its addresses in `table` (ENOTFOUND for
 * any other), recording the names asked.
 */
function fakeDns(answer: { address: string } | { code: string } | { table: Record<string, string[]> }) {
  const fake = (hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      addresses?: unknown,
      family?: number,
    ) => void;
    looked.push(hostname);
    const addresses =
      "table" in answer ? answer.table[hostname] : "address" in answer ? [answer.address] : [];
    const code = "code" in answer ? answer.code : "ENOTFOUND";
    if (!addresses?.length) return void cb(Object.assign(new Error(code), { code }));
    const all = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    if (typeof options === "object" && (options as { all?: boolean }).all) cb(null, all);
    else cb(null, all[0]!.address, all[0]!.family);
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

const REMOTE = "https://registry.example";
const DNS = { "registry.example": ["192.0.2.7"], "myregistry.test": ["127.0.0.1"] };

describe("guardDispatcher and loopback literals", () => {
  const literals = [
    "http://127.0.0.1:2375",
    "http://127.9.9.9",
    "http://[::1]:10250",
    "http://0.0.0.0:2375",
    "http://[::]:2375",
    "http://[::ffff:127.0.0.1]:2375",
    "http://[64:ff9b::7f00:1]",
    "http://[2002:7f00:1::]",
  ];

  it.each(literals)("refuses %s when the registry named is not on this machine", async (origin) => {
    fakeDns({ table: DNS });
    const err = await guardDispatcher(answering(origin), new Set([REMOTE]))
      .request({ origin, path: "/", method: "GET" })
      .catch((e) => e);
    expect(err.code).toBe(FORBIDDEN_ADDRESS);
    expect(err.message).toBe(
      `refusing to connect to ${new URL(origin).host}: it is a loopback address on this machine, and ` +
        "registry registry.example (not on this machine) chose this destination",
    );
  });

  it.each([
    "http://127.0.0.1:5000",
    "http://localhost:5000",
    "http://reg.localhost:5000",
    "http://[::1]:5000",
    "http://myregistry.test:5000",
  ])("lets them through when the registry named is %s", async (registry) => {
    fakeDns({ table: DNS });
    const origin = "http://127.0.0.1:5001";
    const res = await guardDispatcher(answering(origin), new Set([registry])).request({
      origin,
      path: "/auth",
      method: "GET",
    });
    expect(await res.body.text()).toBe("answered");
  });

  it("resolves the registry only when a loopback destination is met, and once", async () => {
    fakeDns({ table: DNS });
    const trusted = new Set([REMOTE]);
    const elsewhere = await guardDispatcher(answering("http://10.1.2.3"), trusted).request({
      origin: "http://10.1.2.3",
      path: "/",
      method: "GET",
    });
    expect(await elsewhere.body.text()).toBe("answered");
    expect(looked).toEqual([]);
    const guarded = guardDispatcher(answering("http://127.0.0.1:2375"), trusted);
    for (let i = 0; i < 2; i++) {
      const err = await guarded
        .request({ origin: "http://127.0.0.1:2375", path: "/", method: "GET" })
        .catch((e) => e);
      expect(err.code).toBe(FORBIDDEN_ADDRESS);
    }
    expect(looked).toEqual(["registry.example"]);
  });
});

describe("createDispatcher and loopback", () => {
  const base = { connectTimeout: 2000, readTimeout: 2000, connections: 2, env: {} };

  it("a name resolving to loopback is not connected to while the registry is elsewhere", async () => {
    const s = await startServer((_req, res) => void res.end("local service"));
    servers.push(s);
    fakeDns({ table: { ...DNS, "evil.test": ["127.0.0.1"] } });
    const d = createDispatcher({ ...base, trustedOrigins: new Set([REMOTE]) });
    dispatchers.push(d);
    for (const origin of [`http://evil.test:${s.port}`, `http://127.0.0.1:${s.port}`]) {
      const err = await d.request({ origin, path: "/", method: "GET" }).catch((e) => e);
      expect(JSON.stringify({ code: err.code, cause: err.cause?.code })).toContain(FORBIDDEN_ADDRESS);
      expect(String(err.message) + String(err.cause?.message)).toContain(
        "it is a loopback address on this machine, and registry registry.example (not on this machine)",
      );
    }
    expect(s.requests).toEqual([]);
  });

  it("the same destinations are connected to when the registry named resolves to loopback", async () => {
    const s = await startServer((_req, res) => void res.end("token server"));
    servers.push(s);
    fakeDns({ table: { ...DNS, "auth.test": ["127.0.0.1"] } });
    const d = createDispatcher({ ...base, trustedOrigins: new Set(["http://myregistry.test:5000"]) });
    dispatchers.push(d);
    for (const origin of [`http://auth.test:${s.port}`, `http://127.0.0.1:${s.port}`]) {
      const res = await d.request({ origin, path: "/auth", method: "GET" });
      expect(await res.body.text()).toBe("token server");
    }
  });

  it("behind a proxy, the registry's own host decides, not the proxy's", async () => {
    // The proxy is on loopback and nothing listens there: a request let through would fail there, not as forbidden.
    fakeDns({ table: { ...DNS, "evil.test": ["127.0.0.1"] } });
    const d = createDispatcher({ ...base, proxy: "http://127.0.0.1:9", trustedOrigins: new Set([REMOTE]) });
    dispatchers.push(d);
    for (const origin of ["http://evil.test:2375", "http://127.0.0.1:2375"]) {
      const err = await d.request({ origin, path: "/", method: "GET" }).catch((e) => e);
      expect(err.code).toBe(FORBIDDEN_ADDRESS);
      expect(err.message).toContain("registry registry.example (not on this machine)");
    }
  });
});
