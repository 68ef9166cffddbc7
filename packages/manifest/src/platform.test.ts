import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  formatPlatform,
  type HostInfo,
  hostPlatform,
  normalizePlatform,
  type Platform,
  parsePlatform,
} from "./index.js";

describe("parsePlatform", () => {
  it.each<[string, Platform]>([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
    ["linux/arm64/v8", { os: "linux", architecture: "arm64", variant: "v8" }],
    [" linux/amd64 ", { os: "linux", architecture: "amd64" }],
    ["Linux/X86_64", { os: "Linux", architecture: "X86_64" }],
    [
      "windows/amd64:10.0.17763.1234",
      { os: "windows", architecture: "amd64", "os.version": "10.0.17763.1234" },
    ],
    [
      "windows(10.0.17763.1234)/amd64",
      { os: "windows", architecture: "amd64", "os.version": "10.0.17763.1234" },
    ],
    ["windows()/amd64", { os: "windows", architecture: "amd64" }],
    ["unknown/unknown", { os: "unknown", architecture: "unknown" }],
  ])("%s", (specifier, platform) => {
    expect(parsePlatform(specifier)).toEqual(platform);
  });

  it.each([
    ["", "empty"],
    ["linux/arm/v7/extra", "too many parts"],
    ["linux/", 'bad component ""'],
    ["/amd64", 'bad OS component ""'],
    ["linux/amd 64", 'bad component "amd 64"'],
    ["linux/amd64:", "empty OS version"],
    ["windows(1)/amd64:2", "OS version given twice"],
    ["linux/*", "wildcards are not supported"],
  ])("rejects %j (%s)", (specifier, message) => {
    expect(() => parsePlatform(specifier)).toThrow(UsageError);
    expect(() => parsePlatform(specifier)).toThrow(message);
  });
});

describe("formatPlatform", () => {
  it.each<[Platform, string]>([
    [{ os: "linux", architecture: "amd64" }, "linux/amd64"],
    [{ os: "linux", architecture: "arm", variant: "v6" }, "linux/arm/v6"],
    [
      { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2849" },
      "windows(10.0.20348.2849)/amd64",
    ],
    [{ os: "", architecture: "" }, "unknown/unknown"],
    [{ os: "linux", architecture: "amd64", features: ["sse4"], "os.features": ["x"] }, "linux(+x)/amd64"],
  ])("%j → %s", (platform, text) => {
    expect(formatPlatform(platform)).toBe(text);
  });

  it.each(["linux/amd64", "linux/arm/v7", "windows(10.0.17763.1234)/amd64", "freebsd/riscv64"])(
    "round-trips %s",
    (text) => {
      expect(formatPlatform(parsePlatform(text))).toBe(text);
    },
  );
});

describe("normalizePlatform", () => {
  it.each([
    ["linux/amd64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/x86-64", "linux/amd64"],
    ["Linux/AMD64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/aarch64", "linux/arm64/v8"],
    ["linux/arm64", "linux/arm64/v8"],
    ["linux/arm64/8", "linux/arm64/v8"],
    ["linux/arm64/v8.2", "linux/arm64/v8.2"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/arm/6", "linux/arm/v6"],
    ["linux/arm/V5", "linux/arm/v5"],
    ["linux/i386", "linux/386"],
    ["linux/386/v1", "linux/386"],
    ["macos/arm64", "darwin/arm64/v8"],
    ["MacOS/amd64", "darwin/amd64"],
    ["linux/ppc64le", "linux/ppc64le"],
    ["windows/amd64:10.0.17763.1234", "windows(10.0.17763.1234)/amd64"],
  ])("%s → %s", (input, output) => {
    expect(formatPlatform(normalizePlatform(parsePlatform(input)))).toBe(output);
  });

  it("sorts and de-duplicates os.features, keeps the input untouched", () => {
    const input: Platform = {
      os: "windows",
      architecture: "amd64",
      "os.features": ["win32k", "a", "win32k"],
    };
    expect(normalizePlatform(input)["os.features"]).toEqual(["a", "win32k"]);
    expect(input["os.features"]).toEqual(["win32k", "a", "win32k"]);
  });

  it("is idempotent", () => {
    for (const p of ["linux/armhf", "linux/aarch64", "macos/x86_64", "linux/amd64/v1"]) {
      const once = normalizePlatform(parsePlatform(p));
      expect(normalizePlatform(once)).toEqual(once);
    }
  });
});

describe("hostPlatform", () => {
  it.each<[HostInfo, string]>([
    [{ platform: "linux", arch: "x64" }, "linux/amd64"],
    [{ platform: "linux", arch: "arm64" }, "linux/arm64/v8"],
    [{ platform: "linux", arch: "arm", armVersion: "6" }, "linux/arm/v6"],
    [{ platform: "linux", arch: "arm", armVersion: "7" }, "linux/arm/v7"],
    [{ platform: "linux", arch: "ia32" }, "linux/386"],
    [{ platform: "linux", arch: "ppc64", littleEndian: true }, "linux/ppc64le"],
    [{ platform: "aix", arch: "ppc64", littleEndian: false }, "aix/ppc64"],
    [{ platform: "linux", arch: "s390x" }, "linux/s390x"],
    [{ platform: "linux", arch: "riscv64" }, "linux/riscv64"],
    [{ platform: "linux", arch: "mips64el" }, "linux/mips64le"],
    [{ platform: "darwin", arch: "arm64" }, "linux/arm64/v8"],
    [{ platform: "darwin", arch: "x64" }, "linux/amd64"],
    [{ platform: "win32", arch: "x64" }, "windows/amd64"],
    [{ platform: "freebsd", arch: "x64" }, "freebsd/amd64"],
  ])("%j → %s", (host, platform) => {
    expect(formatPlatform(hostPlatform(host))).toBe(platform);
  });

  it("reads this process by default and returns a normalised platform", () => {
    const host = hostPlatform();
    expect(host.os).toMatch(/^[a-z0-9]+$/);
    expect(normalizePlatform(host)).toEqual(host);
  });
});
