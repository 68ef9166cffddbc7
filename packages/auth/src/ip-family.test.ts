import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipFamily } from "./address-policy.js";

describe("ipFamily", () => {
  it.each([
    ["127.0.0.1", 4],
    ["::1", 6],
    ["::ffff:169.254.169.254", 6],
    ["64:ff9b:1::a9fe:a9fe", 6],
    ["FD00:EC2::254", 6],
    ["localhost", 0],
    ["registry.example", 0],
    ["127.1", 0],
    ["::ffff:1.2.3.04", 0],
    ["1::2::3", 0],
    ["fe80::1%eth0", 0],
    ["[::1]", 0],
    ["::1/128", 0],
    ["::1 ", 0],
    ["", 0],
  ])("%s is %d", (text, family) => {
    expect(ipFamily(text)).toBe(family);
  });

  // ipFamily stands in for net.isIP (whose IPv6 regular expression costs 30–40 ms on first use): it must say the same
  // for every literal and near-literal without a zone (callers strip zones first).
  it("agrees with net.isIP on addresses and on strings made of their characters", () => {
    const nearLiteral = fc
      .array(fc.constantFrom(..."0123456789abcdefABCDEFgx:.:"), { maxLength: 45 })
      .map((chars) => chars.join(""));
    const literal = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.domain());
    fc.assert(
      fc.property(fc.oneof(nearLiteral, literal), (text) => {
        expect(ipFamily(text)).toBe(isIP(text));
      }),
      { numRuns: 5000 },
    );
  });
});
