import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { isInsecure, registryBaseUrl } from "./base-url.js";
import { Transport } from "./transport.js";

describe("registryBaseUrl", () => {
  it.each([
    ["docker.io", {}, "https://registry-1.docker.io"],
    ["index.docker.io", {}, "https://registry-1.docker.io"],
    ["ghcr.io", {}, "https://ghcr.io"],
    ["127.0.0.1:5000", {}, "http://127.0.0.1:5000"],
    ["localhost:5000", {}, "http://localhost:5000"],
    ["[::1]:5000", {}, "http://[::1]:5000"],
    ["127.0.0.1:5000", { scheme: "https" }, "https://127.0.0.1:5000"],
    ["reg.lan:5000", {}, "https://reg.lan:5000"],
    // Listed insecure: https first all the same, as docker's (the transport falls back to http: scheme-fallback.ts).
    ["reg.lan:5000", { insecureRegistries: ["reg.lan:5000"] }, "https://reg.lan:5000"],
    ["reg.lan:5000", { insecureRegistries: ["reg.lan"] }, "https://reg.lan:5000"],
    ["reg.lan:5000", { insecureRegistries: ["reg.lan:6000"] }, "https://reg.lan:5000"],
    ["reg.lan", { scheme: "http" }, "http://reg.lan"],
  ] as const)("%s %j → %s", (registry, options, expected) => {
    expect(registryBaseUrl(registry, options)).toBe(expected);
    expect(new Transport({ ...options, env: {} }).baseUrl(registry)).toBe(expected);
  });

  it.each(["", "a/b", "host?x", "user@host"])("refuses %j", (registry) => {
    expect(() => registryBaseUrl(registry)).toThrow(UsageError);
  });

  it.each([
    ["localhost", true],
    ["127.1.2.3:5000", true],
    ["[::1]", true],
    ["128.0.0.1", false],
    ["localhost.example.com", false],
    ["10.0.0.1:5000", false],
    ["docker.io", false],
  ])("isInsecure(%s) = %s (loopback is always allowed http)", (host, expected) => {
    expect(isInsecure(host)).toBe(expected);
  });
});
