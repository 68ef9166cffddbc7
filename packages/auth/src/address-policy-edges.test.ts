import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import {
  checkedLookup,
  FORBIDDEN_ADDRESS,
  forbiddenAddress,
  forbiddenAddressError,
} from "./address-policy.js";

// What address-policy.test.ts left unsaid (found by mutation testing, docs/testing.md).

describe("forbiddenAddress reads only a whole literal", () => {
  it("strips a zone even when it is empty (`fe80::1%`, which isIP alone does not take)", () => {
    expect(forbiddenAddress("[fe80::1%]")).toMatch(/link-local/);
    expect(forbiddenAddress("fe80::1%eth0")).toMatch(/link-local/);
  });

  it("strips brackets only around the literal, never inside it", () => {
    expect(forbiddenAddress("169.254.[169.254")).toBeUndefined();
    expect(forbiddenAddress("[fe80::1]]")).toBeUndefined();
    expect(forbiddenAddress("[fe80::1]")).toMatch(/link-local/);
  });
});

describe("forbiddenAddressError", () => {
  it("names the address once when the destination was the literal itself, and both for a name", () => {
    const literal = forbiddenAddressError("169.254.169.254", "169.254.169.254", "a link-local address");
    expect(literal.message).toBe(
      "refusing to connect to 169.254.169.254: it is a link-local address, and a registry chose this destination",
    );
    expect(literal).toMatchObject({ code: FORBIDDEN_ADDRESS });
    const named = forbiddenAddressError("meta.example", "169.254.169.254", "a link-local address");
    expect(named.message).toContain("refusing to connect to meta.example (169.254.169.254): it is");
  });
});

describe("checkedLookup: the failures dns.lookup itself reports", () => {
  type Answer = { err: NodeJS.ErrnoException | null; address: unknown; family: number | undefined };
  const resolve = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[], all: boolean) =>
    new Promise<Answer>((done) => {
      const lookup = ((_h: string, _o: unknown, cb: (e: unknown, a: LookupAddress[]) => void) =>
        cb(err, addresses)) as unknown as typeof import("node:dns").lookup;
      checkedLookup(lookup)("reg.example", { all }, (e, address, family) =>
        done({ err: e, address, family }),
      );
    });

  it("passes a resolver error through with an empty answer", async () => {
    const failure = Object.assign(new Error("getaddrinfo ENOTFOUND reg.example"), { code: "ENOTFOUND" });
    for (const all of [true, false]) {
      expect(await resolve(failure, [], all)).toEqual({ err: failure, address: [], family: undefined });
    }
  });

  it("says ENOTFOUND, naming the host, when the resolver answers no address to a single-address lookup", async () => {
    const { err, address } = await resolve(null, [], false);
    expect(err).toMatchObject({ code: "ENOTFOUND", message: "reg.example: no address" });
    expect(address).toEqual([]);
    expect(await resolve(null, [], true)).toEqual({ err: null, address: [], family: undefined });
  });

  it("asks the resolver for every address, keeping the caller's other options", async () => {
    const asked: unknown[] = [];
    const lookup = ((_h: string, options: unknown, cb: (e: null, a: LookupAddress[]) => void) => {
      asked.push(options);
      cb(null, [{ address: "203.0.113.7", family: 4 }]);
    }) as unknown as typeof import("node:dns").lookup;
    await new Promise((done) => checkedLookup(lookup)("reg.example", { family: 4, hints: 32 }, done));
    expect(asked).toEqual([{ family: 4, hints: 32, all: true }]);
  });

  it("answers a refused name with the error and no address at all", async () => {
    for (const all of [true, false]) {
      const { err, address } = await resolve(null, [{ address: "169.254.169.254", family: 4 }], all);
      expect(err?.code).toBe(FORBIDDEN_ADDRESS);
      expect(address).toEqual([]);
    }
  });
});
