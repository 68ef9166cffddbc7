import { InvalidReferenceError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { DOCKER_HUB_CONFIG_KEY, parseRegistry } from "./index.js";

describe("parseRegistry", () => {
  it.each([
    ["localhost:5000", { registry: "localhost:5000", apiHost: "localhost:5000" }],
    ["https://r.example", { registry: "r.example", scheme: "https", apiHost: "r.example" }],
    ["http://127.0.0.1:5000/", { registry: "127.0.0.1:5000", scheme: "http", apiHost: "127.0.0.1:5000" }],
    ["HTTPS://r.example/v2/", { registry: "r.example", scheme: "https", apiHost: "r.example" }],
    ["docker.io", { registry: "docker.io", apiHost: "registry-1.docker.io" }],
    ["index.docker.io", { registry: "docker.io", apiHost: "registry-1.docker.io" }],
    ["registry-1.docker.io", { registry: "docker.io", apiHost: "registry-1.docker.io" }],
    [DOCKER_HUB_CONFIG_KEY, { registry: "docker.io", scheme: "https", apiHost: "registry-1.docker.io" }],
    ["ghcr.io/", { registry: "ghcr.io", apiHost: "ghcr.io" }],
    ["[::1]:5000", { registry: "[::1]:5000", apiHost: "[::1]:5000" }],
    ["http://[::1]", { registry: "[::1]", scheme: "http", apiHost: "[::1]" }],
    ["myregistry", { registry: "myregistry", apiHost: "myregistry" }],
    ["Registry.Example.com", { registry: "Registry.Example.com", apiHost: "Registry.Example.com" }],
  ])("%s", (input, expected) => {
    expect(parseRegistry(input)).toEqual(expected);
  });

  it.each([
    ["", 'invalid registry "": registry is empty'],
    [" ghcr.io", 'whitespace is not allowed (" " at column 1)'],
    ["ftp://r.example", 'the scheme must be http or https ("ftp://" at column 1)'],
    ["https://user:secret@r.example", 'invalid registry "https://***@r.example": credentials do not belong'],
    ["user:secret@r.example", 'invalid registry "***@r.example"'],
    [
      "ghcr.io/owner/app",
      'a registry address has no repository path (parse it as a reference) ("/owner/app" at column 8)',
    ],
    ["https://", "registry host is empty (at column 9)"],
    ["::1", "an IPv6 registry must be written in brackets"],
    ["r_x.io", 'invalid character in registry host name ("_" at column 2)'],
    ["https://r.example:x", 'registry port must be digits ("x" at column 19)'],
    ["r.example:", 'registry port is empty (":" at column 10)'],
    // A port no URL can hold, or nobody listens on: refused here, not a TypeError "Invalid URL" at the first request.
    ["ghcr.io:65536", 'registry port must be 1–65535 ("65536" at column 9)'],
    ["ghcr.io:0", 'registry port must be 1–65535 ("0" at column 9)'],
    ["ghcr.io:000", "registry port must be 1–65535"],
    ["http://127.0.0.1:99999999999999999999", "registry port must be 1–65535"],
    ["[::1]:70000", 'registry port must be 1–65535 ("70000" at column 7)'],
    // URL parsers read 05000 as 5000: one registry under two names (credentials and tokens are keyed by the name).
    ["localhost:05000", 'registry port must not start with 0 (write 5000) ("05000" at column 11)'],
  ])("refuses %j", (input, message) => {
    expect(() => parseRegistry(input)).toThrow(InvalidReferenceError);
    expect(() => parseRegistry(input)).toThrow(message);
  });

  it("takes every port a URL can hold", () => {
    for (const port of ["1", "80", "5000", "65535"])
      expect(parseRegistry(`r.example:${port}`).registry).toBe(`r.example:${port}`);
  });

  it("never repeats credentials", () => {
    expect(() => parseRegistry("https://user:secret@r.example")).not.toThrow(/secret/);
  });
});
