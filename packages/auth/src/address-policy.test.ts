import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { checkedLookup, FORBIDDEN_ADDRESS, forbiddenAddress } from "./address-policy.js";
import { validateRealm } from "./validate-realm.js";

describe("forbiddenAddress", () => {
  it.each([
    "169.254.169.254",
    "169.254.170.2",
    "169.254.0.1",
    "[::ffff:169.254.169.254]",
    "::ffff:a9fe:a9fe",
    "[::a9fe:a9fe]",
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
    "fe80::1",
    "[fe80::1%25eth0]",
    "febf:ffff::1",
    "fd00:ec2::254",
    "FD00:EC2:0:0:0:0:0:254",
    "100.100.100.200",
    "::ffff:100.100.100.200",
    "192.0.0.192",
    "168.63.129.16",
    "::ffff:168.63.129.16",
    "::ffff:a83f:8110",
    // SIIT's IPv4-translated form (RFC 7915), in both spellings.
    "::ffff:0:169.254.169.254",
    "::ffff:0:a9fe:a9fe",
    // Local-use NAT64 (RFC 8215) split at /96, /64 and /48 (RFC 6052 §2.2: byte 8 is the zero u octet).
    "64:ff9b:1::a9fe:a9fe",
    "64:ff9b:1:0:a9:fea9:fe00:0",
    "64:ff9b:1:a9fe:a9:fe00::",
    "[64:ff9b:1::100.100.100.200]",
    // Teredo (RFC 4380 §4): the client's IPv4 with every bit flipped in the last 32 bits.
    "2001:0:4136:e378:8000:63bf:5601:5601",
    "2001::9b9b:9b37",
  ])("refuses %s", (address) => {
    expect(forbiddenAddress(address)).toMatch(/link-local|metadata|WireServer/);
  });

  it.each([
    "127.0.0.1",
    "::1",
    "::",
    "10.0.0.1",
    "192.168.1.10",
    "172.16.0.1",
    "100.100.100.201",
    "168.63.129.17",
    "169.253.255.255",
    "169.255.0.0",
    "fec0::1",
    "fd00:ec2::253",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:0:7f00:1",
    "64:ff9b::a00:1",
    "64:ff9b:1::a00:1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2002:a00:1::1",
    "registry.example",
  ])("allows %s", (address) => {
    expect(forbiddenAddress(address)).toBeUndefined();
  });
});

describe("validateRealm refuses every spelling of a metadata address", () => {
  it.each([
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::a9fe:a9fe]/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://169.254.43518/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/",
    "http://100.100.100.200/latest/meta-data/",
    "http://0251.0376.0251.0376/",
    "http://169.254.169.254./",
    "http://[0:0:0:0:0:ffff:a9fe:a9fe]/",
    "http://[0000::FFFF:169.254.169.254]:80/",
    "https://[64:ff9b::169.254.169.254]/",
    "http:\\\\169.254.169.254\\latest",
    "http://127.0.0.1@169.254.169.254/",
  ])("%s", (realm) => {
    let error: unknown;
    try {
      validateRealm(realm, "127.0.0.1:5000", true);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: "AuthenticationError", code: "INVALID_REALM" });
    expect((error as Error).message).toMatch(/link-local|metadata/);
  });
});

describe("checkedLookup", () => {
  /** A fake resolver answering `addresses` for any name. */
  const resolver = (addresses: LookupAddress[]) =>
    ((_host: string, _options: unknown, callback: (err: null, a: LookupAddress[]) => void) =>
      callback(null, addresses)) as unknown as typeof import("node:dns").lookup;

  const run = (addresses: LookupAddress[], all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined }>(
      (resolve) =>
        checkedLookup(resolver(addresses))("metadata.example", { all }, (err, address, family) =>
          resolve({ err, address, family }),
        ),
    );

  it("refuses a name when any of its addresses is forbidden, in both answer forms", async () => {
    const poisoned = [
      { address: "203.0.113.7", family: 4 },
      { address: "::ffff:169.254.169.254", family: 6 },
    ];
    for (const all of [true, false]) {
      const { err } = await run(poisoned, all);
      expect(err?.code).toBe(FORBIDDEN_ADDRESS);
      expect(err?.message).toContain("metadata.example (::ffff:169.254.169.254)");
    }
  });

  it("answers as dns.lookup does when every address is allowed", async () => {
    const good = [
      { address: "203.0.113.7", family: 4 },
      { address: "2001:db8::7", family: 6 },
    ];
    expect(await run(good, true)).toEqual({ err: null, address: good, family: undefined });
    expect(await run(good, false)).toEqual({ err: null, address: "203.0.113.7", family: 4 });
  });
});
