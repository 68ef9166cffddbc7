import { describe, expect, it } from "vitest";
import { isLoopbackRegistry } from "./index.js";

describe("isLoopbackRegistry", () => {
  it.each([
    ["localhost", true],
    ["localhost:5000", true],
    ["LOCALHOST:5000", true],
    ["127.0.0.1", true],
    ["127.0.0.1:5000", true],
    ["127.255.255.254:80", true],
    ["127.1.2.3", true],
    ["[::1]", true],
    ["[::1]:5000", true],
    ["[0:0:0:0:0:0:0:1]:5000", true],
    ["[0000::0001]", true],
    ["::1", true],
    ["localhost.example.com", false],
    ["mylocalhost:5000", false],
    ["127.0.0.256", false],
    ["127.0.0", false],
    ["128.0.0.1", false],
    ["10.0.0.1:5000", false],
    ["192.168.1.1", false],
    ["[::2]:5000", false],
    ["[::]", false],
    ["[1::1]", false],
    ["[::1:1]", false],
    ["docker.io", false],
    ["", false],
    ["127.255.0.9:1", true],
    ["notlocalhost", false],
    ["example.com:5000", false],
    ["127.0.0.1.example", false],
    ["1127.0.0.1", false],
    ["[::1", false],
    ["[::1x", false],
    ["::1:5000", false],
  ])("%s → %s", (registry, expected) => {
    expect(isLoopbackRegistry(registry)).toBe(expected);
  });
});

describe("isLoopbackRegistry: names under .localhost are text, not addresses", () => {
  // RFC 6761 §6.3 asks resolvers to answer loopback for them, but nothing makes the machine's resolver do so; plain
  // http and an http token realm are allowed by this test, so it decides on what it can check without resolving.
  it.each(["registry.localhost", "a.b.localhost:443", "REGISTRY.LOCALHOST:5000"])(
    "%s is not loopback",
    (name) => {
      expect(isLoopbackRegistry(name)).toBe(false);
    },
  );
});
