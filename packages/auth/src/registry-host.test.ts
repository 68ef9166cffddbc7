import { describe, expect, it } from "vitest";
import { helperServerUrl, isLoopbackHost, normalizeRegistry } from "./registry-host.js";

describe("normalizeRegistry: every key docker login has written names one host", () => {
  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["https://GHCR.io/", "ghcr.io"],
    ["http://localhost:5000", "localhost:5000"],
    ["localhost:5000/v2/", "localhost:5000"],
    ["  quay.io  ", "quay.io"],
    ["oci+https://r.example/path", "r.example"],
    ["r.example", "r.example"],
  ])("%j is %s", (key, host) => {
    expect(normalizeRegistry(key)).toBe(host);
  });

  it("drops only a scheme at the start, not a colon-slash-slash later on", () => {
    expect(normalizeRegistry("r.example/x://y")).toBe("r.example");
    expect(normalizeRegistry("1http://r.example")).toBe("1http:");
  });
});

describe("helperServerUrl: what a credential helper is asked for", () => {
  it("is docker's legacy v1 URL for Docker Hub, in any spelling", () => {
    expect(helperServerUrl("docker.io")).toBe("https://index.docker.io/v1/");
    expect(helperServerUrl("registry-1.docker.io")).toBe("https://index.docker.io/v1/");
  });

  it("is the bare host elsewhere", () => {
    expect(helperServerUrl("https://ghcr.io/")).toBe("ghcr.io");
    expect(helperServerUrl("localhost:5000")).toBe("localhost:5000");
  });
});

describe("isLoopbackHost: where a plain-HTTP realm is acceptable", () => {
  it.each([
    "localhost",
    "LOCALHOST:5000",
    "registry.localhost",
    "a.b.localhost:443",
    "127.0.0.1",
    "127.0.0.1:5000",
    "127.255.0.9:1",
    "[::1]",
    "[::1]:5000",
    "::1",
  ])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    "localhost.example",
    "notlocalhost",
    "example.com:5000",
    "127.0.0.1.example",
    "127.0.0",
    "128.0.0.1",
    "1127.0.0.1",
    "[::2]:5000",
    "[::1",
    "[::1x",
    "::1:5000",
    "10.0.0.1:5000",
  ])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
