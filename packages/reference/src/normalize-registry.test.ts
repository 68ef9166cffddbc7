import { describe, expect, it } from "vitest";
import { normalizeRegistry, parseReference, parseRegistry } from "./index.js";

describe("normalizeRegistry: every name and every key docker login has written names one host", () => {
  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["Registry-1.Docker.IO", "docker.io"],
    ["docker.io", "docker.io"],
    ["https://GHCR.io/", "ghcr.io"],
    ["ghcr.io", "ghcr.io"],
    ["Registry.Example.com:5000", "registry.example.com:5000"],
    ["http://localhost:5000", "localhost:5000"],
    ["http://host:5000/v2/", "host:5000"],
    ["localhost:5000/v2/", "localhost:5000"],
    ["  quay.io  ", "quay.io"],
    ["oci+https://r.example/path", "r.example"],
    ["r.example", "r.example"],
    ["[::1]:5000", "[::1]:5000"],
  ])("%j is %s", (key, host) => {
    expect(normalizeRegistry(key)).toBe(host);
  });

  it("drops only a scheme at the start, not a colon-slash-slash later on", () => {
    expect(normalizeRegistry("r.example/x://y")).toBe("r.example");
    expect(normalizeRegistry("1http://r.example")).toBe("1http:");
  });
});

describe("references keep the host as written but know Docker Hub in any case", () => {
  it("folds Docker Hub's aliases whatever their case", () => {
    expect(parseReference("INDEX.DOCKER.IO/alpine").toString()).toBe("docker.io/library/alpine:latest");
    expect(parseRegistry("https://Index.Docker.IO/v1/").registry).toBe("docker.io");
  });

  it("keeps another host's spelling, which normalizeRegistry compares case-insensitively", () => {
    const reference = parseReference("Registry.Example.com/app");
    expect(reference.registry).toBe("Registry.Example.com");
    expect(normalizeRegistry(reference.registry)).toBe(normalizeRegistry("registry.example.com"));
  });
});
