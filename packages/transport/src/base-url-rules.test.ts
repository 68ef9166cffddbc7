/**
 * The rules that pick a registry's scheme and host, like docker's: https everywhere, plain http for loopback and for
 * the registries listed as insecure (`host:port` for that port only, a bare host for port 443 only, written as the user
 * likes: upper case, with a scheme or a trailing slash). What `Transport.baseUrl` and `allowsHttp` make of them.
 */
import { UsageError } from "@regatta/errors";
import { MockAgent } from "undici";
import { describe, expect, it } from "vitest";
import { isInsecure, registryBaseUrl, splitHostPort } from "./base-url.js";
import { Transport } from "./transport.js";

describe("splitHostPort", () => {
  it.each([
    ["reg.lan", { hostname: "reg.lan" }],
    ["reg.lan:5000", { hostname: "reg.lan", port: "5000" }],
    ["[::1]", { hostname: "::1" }],
    ["[::1]:5000", { hostname: "::1", port: "5000" }],
    // Only the colon right after the bracket separates the port.
    ["[::1]x:5", { hostname: "::1", port: "x:5" }],
    // Two colons without brackets: a bare IPv6 address, which has no port.
    ["fe80::1", { hostname: "fe80::1" }],
    ["::1", { hostname: "::1" }],
  ])("%s → %j", (host, expected) => {
    expect(splitHostPort(host)).toEqual(expected);
  });
});

describe("isInsecure", () => {
  it.each([
    // host:port entries name that port only; a bare host names the host without a port (443), as docker's do
    // (moby#9754 reverted a bare host matching every port: another port may be another service)
    ["reg.lan:5000", ["reg.lan:5000"], true],
    ["reg.lan:5000", ["reg.lan:6000"], false],
    ["reg.lan:5000", ["reg.lan"], false],
    ["reg.lan:443", ["reg.lan"], true],
    ["reg.lan:80", ["reg.lan"], false],
    ["reg.lan", ["reg.lan"], true],
    ["reg.lan", ["reg.lan:443"], true],
    ["reg.lan", ["reg.lan:5000"], false],
    ["other.lan:5000", ["reg.lan"], false],
    // written with a scheme, a trailing slash or in upper case
    ["reg.lan:5000", ["http://reg.lan:5000"], true],
    ["reg.lan:5000", ["https://reg.lan:5000/"], true],
    ["reg.lan:5000", ["REG.LAN:5000"], true],
    ["Reg.Lan:5000", ["reg.lan:5000"], true],
    ["reg.lan:5000", ["reg.lan:5000//"], true],
    // the scheme is only stripped at the start, slashes only at the end
    ["reg.lan:5000", ["xhttp://reg.lan:5000"], false],
    ["reg.lan", ["reg.lan/x"], false],
    ["reg.lan", ["reg.lanhttp://"], false],
    ["reg.lan:5000", ["reg.lan/:5000"], false],
    // docker.io is spoken to at registry-1.docker.io: either name lists it
    ["docker.io", ["docker.io"], true],
    ["docker.io", ["registry-1.docker.io"], true],
    ["ghcr.io", [], false],
    // loopback needs no listing
    ["127.0.0.1:5000", [], true],
    ["[::1]:5000", [], true],
  ])("%s with %j → %s", (registry, list, expected) => {
    expect(isInsecure(registry, list)).toBe(expected);
  });

  it("defaults to no listed registries", () => {
    expect(isInsecure("reg.lan:5000")).toBe(false);
    expect(isInsecure("localhost:5000")).toBe(true);
  });
});

describe("registryBaseUrl", () => {
  it("is https unless the scheme is http, or auto for a loopback registry; an insecure one starts at https too (docker)", () => {
    const listed = { insecureRegistries: ["reg.lan"] };
    expect(registryBaseUrl("reg.lan")).toBe("https://reg.lan");
    expect(registryBaseUrl("reg.lan", listed)).toBe("https://reg.lan");
    expect(registryBaseUrl("reg.lan", { ...listed, scheme: "auto" })).toBe("https://reg.lan");
    expect(registryBaseUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(registryBaseUrl("reg.lan", { ...listed, scheme: "https" })).toBe("https://reg.lan");
    expect(registryBaseUrl("localhost:5000", { scheme: "https" })).toBe("https://localhost:5000");
    expect(registryBaseUrl("reg.lan", { scheme: "http" })).toBe("http://reg.lan");
    expect(registryBaseUrl("docker.io", { scheme: "http" })).toBe("http://registry-1.docker.io");
  });

  it.each(["", "a/b", "host?x", "host#x", "user@host", "reg lan", "reg.lan\t", "\nreg.lan"])(
    "refuses %j, naming it",
    (registry) => {
      expect(() => registryBaseUrl(registry)).toThrow(UsageError);
      expect(() => registryBaseUrl(registry)).toThrow(
        `invalid registry host "${registry}": expected host[:port]`,
      );
    },
  );
});

describe("Transport.baseUrl and allowsHttp", () => {
  it("apply the transport's scheme and insecure list", () => {
    const plain = new Transport({ env: {}, dispatcher: new MockAgent() });
    expect(plain.baseUrl("reg.lan:5000")).toBe("https://reg.lan:5000");
    expect(plain.allowsHttp("reg.lan:5000")).toBe(false);
    expect(plain.allowsHttp("127.0.0.1:5000")).toBe(true);
    const listed = new Transport({ insecureRegistries: ["reg.lan"], dispatcher: new MockAgent() });
    // Insecure: https first (unverified), plain http once no TLS answers. As a token server's host it may be on
    // http; once spoken to as a registry (over https, until no TLS answers) its realm may not.
    expect(listed.allowsHttp("reg.lan")).toBe(true);
    expect(listed.baseUrl("reg.lan")).toBe("https://reg.lan");
    expect(listed.allowsHttp("reg.lan")).toBe(false);
    // Another port of the listed host is not listed.
    expect(listed.baseUrl("reg.lan:5000")).toBe("https://reg.lan:5000");
    expect(listed.allowsHttp("reg.lan:5000")).toBe(false);
    const http = new Transport({ scheme: "http", dispatcher: new MockAgent() });
    expect(http.allowsHttp("ghcr.io")).toBe(true);
    const https = new Transport({
      scheme: "https",
      insecureRegistries: ["reg.lan"],
      dispatcher: new MockAgent(),
    });
    expect(https.allowsHttp("localhost:5000")).toBe(false);
    expect(https.allowsHttp("reg.lan")).toBe(false);
  });
});
