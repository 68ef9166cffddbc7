/**
 * Loopback destinations chosen by a server (address-policy.ts, LoopbackTrust): this machine in every spelling, and
 * refused as a token realm unless the registry that named it is itself on this machine, decided by address.
 */
import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import {
  checkedLookup,
  FORBIDDEN_ADDRESS,
  forbiddenAddress,
  hostIsThisMachine,
  LoopbackTrust,
  loopbackAddress,
  loopbackRefusalError,
} from "./address-policy.js";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

/** A `dns.lookup` answering from `table` (name → addresses; absent: ENOTFOUND), recording the names asked. */
function resolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup = ((name: string, _options: unknown, callback: (...args: unknown[]) => void) => {
    asked.push(name);
    const addresses = table[name];
    if (!addresses) return callback(Object.assign(new Error(name), { code: "ENOTFOUND" }), []);
    const answer: LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(":") ? 6 : 4,
    }));
    callback(null, answer);
  }) as unknown as typeof import("node:dns").lookup;
  return { lookup, asked };
}

describe("loopbackAddress", () => {
  it.each([
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "::1",
    "[::1]",
    "::",
    "[::ffff:127.0.0.1]",
    "::ffff:7f00:1",
    "::127.0.0.1",
    "::ffff:0:127.0.0.1",
    "64:ff9b::127.0.0.1",
    "2002:7f00:1::",
    "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo: the last 32 bits, flipped, are 127.0.0.1
  ])("%s is this machine", (address) => {
    expect(loopbackAddress(address)).toBe(true);
    // Not a metadata address: loopback has its own rule.
    expect(forbiddenAddress(address)).toBeUndefined();
  });

  it.each([
    "10.9.9.9",
    "128.0.0.1",
    "2001:db8::1",
    "fe80::1",
    "::ffff:10.0.0.1",
    "localhost",
    "registry.example",
  ])("%s is not (names are decided by what they resolve to)", (address) =>
    expect(loopbackAddress(address)).toBe(false),
  );
});

describe("hostIsThisMachine: the one rule the loopback trust and the proxy choice read", () => {
  it.each([
    "localhost",
    "LOCALHOST",
    "localhost.",
    "registry.localhost",
    "127.0.0.1",
    "0.0.0.0",
    "[::]",
    "[::ffff:0.0.0.0]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
  ])("%s is this machine, without asking DNS", (host) => expect(hostIsThisMachine(host)).toBe(true));

  it.each(["localhost.example", "mylocalhost", "10.0.0.1", "[2001:db8::1]", "[::ffff:10.0.0.1]"])(
    "%s is not (a name may still resolve to loopback; that is LoopbackTrust's to ask)",
    (host) => expect(hostIsThisMachine(host)).toBe(false),
  );
});

describe("LoopbackTrust", () => {
  it("a loopback literal, localhost and *.localhost are on this machine without asking DNS", async () => {
    const { lookup, asked } = resolver({});
    const trust = new LoopbackTrust(() => [], lookup);
    for (const host of [
      "127.0.0.1:5000",
      "[::1]:5000",
      "[::ffff:127.0.0.1]:5000",
      "localhost:5000",
      "reg.localhost",
    ])
      expect(await trust.onThisMachine(host)).toBe(true);
    for (const host of ["10.9.9.9:5000", "[fd00::1]:5000"])
      expect(await trust.onThisMachine(host)).toBe(false);
    expect(asked).toEqual([]);
  });

  it("a name is on this machine when every address it resolves to is loopback; each name is resolved once", async () => {
    const { lookup, asked } = resolver({
      "myregistry.test": ["127.0.0.1"],
      "dual.test": ["127.0.0.1", "::1"],
      "mixed.test": ["127.0.0.1", "10.9.9.9"],
      "remote.test": ["10.9.9.9"],
    });
    const trust = new LoopbackTrust(() => [], lookup);
    expect(await trust.onThisMachine("myregistry.test:5000")).toBe(true);
    expect(await trust.onThisMachine("MyRegistry.test:5001")).toBe(true);
    expect(await trust.onThisMachine("dual.test")).toBe(true);
    expect(await trust.onThisMachine("mixed.test")).toBe(false);
    expect(await trust.onThisMachine("remote.test")).toBe(false);
    expect(await trust.onThisMachine("unknown.test")).toBe(false);
    expect(asked).toEqual(["myregistry.test", "dual.test", "mixed.test", "remote.test", "unknown.test"]);
  });

  it("allows loopback when any registry named is on this machine, reading the list when asked", async () => {
    const registries = ["registry.example"];
    const trust = new LoopbackTrust(() => registries, resolver({ "registry.example": ["192.0.2.7"] }).lookup);
    expect(await trust.allowed()).toBe(false);
    registries.push("localhost:5000");
    expect(await trust.allowed()).toBe(true);
    // No registry named: the caller chose the destination itself (a token request it makes directly).
    registries.length = 0;
    expect(await trust.allowed()).toBe(true);
  });
});

describe("checkedLookup with a LoopbackTrust", () => {
  const ask = (name: string, trust: LoopbackTrust, table: Record<string, string[]>) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      checkedLookup(resolver(table).lookup, trust)(name, { all: true }, (err, address) =>
        resolve({ err, address }),
      ),
    );

  it("refuses a name with a loopback address among its answers while no registry named is on this machine", async () => {
    const remote = new LoopbackTrust(
      () => ["registry.example:443"],
      resolver({ "registry.example": ["192.0.2.7"] }).lookup,
    );
    const { err } = await ask("evil.test", remote, { "evil.test": ["192.0.2.8", "127.0.0.1"] });
    expect(err?.code).toBe(FORBIDDEN_ADDRESS);
    expect(err?.message).toBe(
      "refusing to connect to evil.test (127.0.0.1): it is a loopback address on this machine, and registry " +
        "registry.example:443 (not on this machine) chose this destination",
    );
    const local = new LoopbackTrust(() => ["127.0.0.1:5000"]);
    const allowed = await ask("token.test", local, { "token.test": ["127.0.0.1"] });
    expect(allowed.err).toBeNull();
    expect(allowed.address).toEqual([{ address: "127.0.0.1", family: 4 }]);
  });

  it("names every registry when several were named and none is on this machine", () => {
    expect(loopbackRefusalError("127.0.0.1", "127.0.0.1", ["a.example", "b.example"]).message).toBe(
      "refusing to connect to 127.0.0.1: it is a loopback address on this machine, and a registry chose this " +
        "destination and none of a.example, b.example is on this machine",
    );
  });
});

describe("a token realm on loopback", () => {
  const scopes = [repositoryScope("a")];
  const credentials = staticCredentials({ username: "alice", password: "pw" });

  it.each([
    "https://127.0.0.1:2375/token",
    "http://[::1]:2375/token",
    "https://[::ffff:7f00:1]/token",
    "https://0.0.0.0:10250/token",
  ])("%s named by a registry not on this machine is refused before any request", async (realm) => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials, allowHttpRealm: () => true });
    // .invalid never resolves (RFC 6761 §6.4): certainly not on this machine.
    auth.learn("registry.invalid", `Bearer realm="${realm}",service="s"`);
    const error = await auth.authorization({ registry: "registry.invalid", scopes }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AuthenticationError", code: "INVALID_REALM" });
    expect((error as Error).message).toContain(
      "the realm is a loopback address on this machine, and registry registry.invalid is not on this machine",
    );
    expect(send.requests).toEqual([]);
  });

  it.each([
    ["127.0.0.1:5000", "http://127.0.0.1:5001/token"],
    ["localhost:5000", "http://127.0.0.1:5001/token"],
    ["[::1]:5000", "https://127.0.0.1:5001/token"],
  ])("is asked when the registry %s is on this machine", async (registry, realm) => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials });
    auth.learn(registry, `Bearer realm="${realm}",service="s"`);
    expect(await auth.authorization({ registry, scopes })).toBe("Bearer t");
    expect(send.requests[0]?.url.startsWith(realm)).toBe(true);
  });
});
