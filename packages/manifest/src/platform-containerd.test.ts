import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  type Descriptor,
  formatPlatform,
  matchPlatform,
  normalizePlatform,
  type Platform,
  parsePlatform,
  selectManifest,
} from "./index.js";

/**
 * Tables taken from containerd's own tests, so Regatta picks what containerd (and so Docker) picks:
 * https://github.com/containerd/platforms/blob/main/platforms_test.go (TestParseSelector, TestFormatAllEncoding,
 * TestParseSelectorInvalid), https://github.com/containerd/platforms/blob/main/compare_test.go (TestOnly,
 * TestOnlyStrict) and https://github.com/containerd/platforms/blob/main/platform_windows_compat_test.go.
 * Where Regatta differs on purpose (default variants explicit), the expectation says so.
 */

const HOST: Platform = { os: "linux", architecture: "amd64" };
const parse = (s: string) => parsePlatform(s, { host: HOST });
const canonical = (s: string) => formatPlatform(normalizePlatform(parse(s)));

describe("TestParseSelector", () => {
  it.each<[string, string, string[]]>([
    // input, canonical (Regatta makes arm64's v8 and arm's v7 explicit), platforms it must match
    ["linux/arm64", "linux/arm64/v8", ["linux/aarch64", "linux/aarch64/v8", "linux/arm64/v8"]],
    ["linux/arm64/v8", "linux/arm64/v8", ["linux/aarch64", "linux/aarch64/v8", "linux/arm64"]],
    ["linux/arm", "linux/arm/v7", ["linux/arm/v7", "linux/armhf", "linux/arm/7"]],
    ["linux/arm/v6", "linux/arm/v6", ["linux/armel"]],
    ["linux/arm/v7", "linux/arm/v7", ["linux/arm", "linux/armhf"]],
    ["arm", "linux/arm/v7", []],
    ["armel", "linux/arm/v6", []],
    ["armhf", "linux/arm/v7", []],
    ["Aarch64", "linux/arm64/v8", []],
    ["x86_64", "linux/amd64", []],
    ["Linux/x86_64", "linux/amd64", []],
    ["i386", "linux/386", []],
    ["linux", "linux/amd64", []],
    ["s390x", "linux/s390x", []],
    ["linux/s390x", "linux/s390x", []],
    ["macOS", "darwin/amd64", []],
    ["windows", "windows/amd64", []],
    ["windows()", "windows/amd64", []],
    ["windows(10.0.17763)", "windows(10.0.17763)/amd64", []],
    ["windows(10.0.17763+win32k)", "windows(10.0.17763+win32k)/amd64", []],
    ["linux(+gpu)", "linux(+gpu)/amd64", []],
    ["linux(+gpu+simd)", "linux(+gpu+simd)/amd64", []],
    ["linux(+unsorted+erofs)", "linux(+erofs+unsorted)/amd64", []],
    ["windows(10.0.17763%2Bbuild.42)", "windows(10.0.17763%2Bbuild.42)/amd64", []],
    ["windows(10.0.17763%2Bbuild.42+win32k)", "windows(10.0.17763%2Bbuild.42+win32k)/amd64", []],
    ["windows(50%25done)", "windows(50%25done)/amd64", []],
  ])("%s → %s", (input, formatted, matches) => {
    const parsed = parse(input);
    expect(canonical(input)).toBe(formatted);
    expect(matchPlatform(parsed, parsed, { strict: true })).toBe(true);
    for (const other of matches) expect(matchPlatform(parsed, parse(other), { strict: true })).toBe(true);
    // Stable: the formatted text re-parses to the same canonical platform.
    expect(canonical(formatted)).toBe(formatted);
  });

  it("reads the OS version and features out of the parentheses, decoded", () => {
    expect(parse("windows(10.0.17763%2Bbuild.42+win32k)/amd64")).toEqual({
      os: "windows",
      architecture: "amd64",
      "os.version": "10.0.17763+build.42",
      "os.features": ["win32k"],
    });
    expect(parse("linux(+gpu)/amd64")).toEqual({
      os: "linux",
      architecture: "amd64",
      "os.features": ["gpu"],
    });
  });

  it("fills a one-part specifier from the host it is given", () => {
    const host: Platform = { os: "linux", architecture: "arm", variant: "v6" };
    expect(parsePlatform("linux", { host })).toEqual(host);
    expect(parsePlatform("arm64", { host })).toEqual({ os: "linux", architecture: "arm64" });
  });
});

describe("TestFormatAllEncoding", () => {
  it.each<[Platform, string]>([
    [
      { os: "windows", "os.version": "10.0.17763+build.42", architecture: "amd64" },
      "windows(10.0.17763%2Bbuild.42)/amd64",
    ],
    [
      {
        os: "windows",
        "os.version": "10.0.17763+build.42",
        "os.features": ["win32k"],
        architecture: "amd64",
      },
      "windows(10.0.17763%2Bbuild.42+win32k)/amd64",
    ],
    [{ os: "windows", "os.version": "50%done", architecture: "amd64" }, "windows(50%25done)/amd64"],
    [{ os: "windows", "os.version": "1.0(beta)", architecture: "amd64" }, "windows(1.0%28beta%29)/amd64"],
    [{ os: "windows", "os.version": "a/b", architecture: "amd64" }, "windows(a%2Fb)/amd64"],
    [{ os: "windows", "os.version": "10.0.17763", architecture: "amd64" }, "windows(10.0.17763)/amd64"],
    [{ os: "linux", "os.features": ["feat+v2"], architecture: "amd64" }, "linux(+feat%2Bv2)/amd64"],
    [{ os: "linux", "os.features": ["100%gpu"], architecture: "amd64" }, "linux(+100%25gpu)/amd64"],
    [
      { os: "windows", "os.version": "10.0+build", "os.features": ["feat+1"], architecture: "amd64" },
      "windows(10.0%2Bbuild+feat%2B1)/amd64",
    ],
    // TestFormatAllSkipsEmptyOSFeatures
    [
      { os: "linux", architecture: "amd64", "os.features": ["", "gpu", "", "simd"] },
      "linux(+gpu+simd)/amd64",
    ],
    // Beyond containerd's replacer: anything outside [A-Za-z0-9_.-] is escaped, so every version re-parses.
    [{ os: "linux", "os.version": "5.15 LTS:é", architecture: "amd64" }, "linux(5.15%20LTS%3A%C3%A9)/amd64"],
  ])("%j → %s, and back", (platform, text) => {
    expect(formatPlatform(platform)).toBe(text);
    const back = parse(text);
    expect(back["os.version"]).toBe(platform["os.version"]);
    expect(back["os.features"]).toEqual(platform["os.features"]?.filter((f) => f !== ""));
  });
});

describe("TestParseSelectorInvalid", () => {
  it.each([
    "",
    "/linux/arm",
    "linux/arm/",
    "linux /arm",
    "linux/&arm",
    "linux/arm/foo/bar",
    "*",
    "linux(+)/amd64",
    "linux(10.0)(x)/amd64",
    "windows(10%zz)/amd64",
    "windows(10%2)/amd64",
    "windows(%ff)/amd64",
    "linux(10/amd64",
    "notanos",
    "arm64(1.0)",
  ])("refuses %j with a UsageError", (input) => {
    expect(() => parse(input)).toThrow(UsageError);
  });
});

/** compare_test.go's TestOnly and TestOnlyStrict: wanted → [matches, does not match]. */
const ONLY: [string, string[], string[]][] = [
  [
    "linux/amd64",
    ["linux/amd64", "linux/386"],
    ["linux/amd64/v2", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "linux/amd64/v2",
    ["linux/amd64", "linux/amd64/v1", "linux/amd64/v2", "linux/386"],
    ["linux/amd64/v3", "linux/amd64/v4", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "linux/386",
    ["linux/386"],
    ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "windows/amd64",
    ["windows/amd64", "windows(10.0.17763)/amd64"],
    ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"],
  ],
  [
    "linux/arm/v8",
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8"],
    ["linux/amd64", "linux/arm/v4", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "linux/arm/v7",
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7"],
    ["linux/amd64", "linux/arm/v4", "linux/arm/v8", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "linux/arm/v6",
    ["linux/arm/v5", "linux/arm/v6"],
    [
      "linux/amd64",
      "linux/arm",
      "linux/arm/v4",
      "linux/arm/v7",
      "linux/arm/v8",
      "linux/arm64",
      "windows/amd64",
      "windows/arm",
    ],
  ],
  [
    "linux/arm/v5",
    ["linux/arm/v5"],
    [
      "linux/amd64",
      "linux/arm",
      "linux/arm/v4",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/arm/v8",
      "linux/arm64",
      "windows/amd64",
      "windows/arm",
    ],
  ],
  [
    "linux/arm/v4",
    ["linux/arm/v4"],
    [
      "linux/amd64",
      "linux/arm",
      "linux/arm/v5",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/arm/v8",
      "linux/arm64",
      "windows/amd64",
      "windows/arm",
    ],
  ],
  [
    "linux/arm64/v9",
    [
      "linux/arm",
      "linux/arm/v5",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/arm/v8",
      "linux/arm64",
      "linux/arm64/v8",
      "linux/arm64/v8.1",
      "linux/arm64/v8.2",
      "linux/arm64/v8.3",
      "linux/arm64/v8.4",
      "linux/arm64/v8.5",
      "linux/arm64/v9",
      "linux/arm64/v9.0",
    ],
    ["linux/amd64", "linux/arm/v4", "windows/amd64", "windows/arm", "linux/arm64/v8.6"],
  ],
  [
    "linux/arm64/v8.1",
    [
      "linux/arm",
      "linux/arm/v5",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/arm/v8",
      "linux/arm64",
      "linux/arm64/v8",
      "linux/arm64/v8.1",
    ],
    ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "windows/amd64", "windows/arm"],
  ],
  [
    "linux/arm64",
    [
      "linux/arm",
      "linux/arm/v5",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/arm/v8",
      "linux/arm64",
      "linux/arm64/v8",
    ],
    ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "windows/amd64", "windows/arm"],
  ],
  // Issue 10: the spellings v8.0 and v9.0, and the v9.x → v8.(x+5) fallback capped at v8.9.
  [
    "linux/arm64/v8.0",
    ["linux/arm64", "linux/arm64/v8", "linux/arm/v8"],
    ["linux/arm64/v8.1", "linux/arm64/v9"],
  ],
  [
    "linux/arm64/v9.0",
    ["linux/arm64/v9", "linux/arm64/v8.5", "linux/arm64/v8"],
    ["linux/arm64/v8.6", "linux/arm64/v9.1"],
  ],
  [
    "linux/arm64/v9.4",
    ["linux/arm64/v9.3", "linux/arm64/v9", "linux/arm64/v8.9", "linux/arm64/v8.1", "linux/arm/v7"],
    ["linux/arm64/v9.5", "linux/arm64/v8.10"],
  ],
  [
    "linux/arm64/v9.6",
    ["linux/arm64/v9.5", "linux/arm64/v9.0", "linux/arm64/v8.9", "linux/arm64/v8.0", "linux/arm/v5"],
    ["linux/arm64/v8.10", "linux/arm64/v8.11", "linux/arm64/v9.7", "linux/arm/v9"],
  ],
  [
    "linux/arm64/v8.10",
    ["linux/arm64/v8.9", "linux/arm64/v8.2", "linux/arm64/v8", "linux/arm/v8"],
    ["linux/arm64/v8.11", "linux/arm64/v9"],
  ],
  ["linux/aarch64/8", ["linux/arm64", "linux/arm64/v8.0"], ["linux/arm64/v8.1"]],
];

const STRICT: [string, string[], string[]][] = [
  [
    "linux/amd64",
    ["linux/amd64"],
    ["linux/386", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "linux/386",
    ["linux/386"],
    ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
  ],
  [
    "windows/amd64",
    ["windows/amd64", "windows(10.0.17763)/amd64"],
    ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"],
  ],
  [
    "windows(10.0.17763)/amd64",
    ["windows/amd64", "windows(10.0.17763)/amd64"],
    ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"],
  ],
  [
    "linux/arm/v8",
    ["linux/arm/v8"],
    [
      "linux/arm",
      "linux/arm/v5",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/amd64",
      "linux/arm/v4",
      "linux/arm64",
      "windows/amd64",
      "windows/arm",
    ],
  ],
  [
    "linux/arm/v7",
    ["linux/arm", "linux/arm/v7"],
    [
      "linux/arm/v5",
      "linux/arm/v6",
      "linux/amd64",
      "linux/arm/v4",
      "linux/arm/v8",
      "linux/arm64",
      "windows/amd64",
      "windows/arm",
    ],
  ],
  [
    "linux/arm64/v9",
    ["linux/arm64/v9", "linux/arm64/v9.0"],
    [
      "linux/arm",
      "linux/arm/v8",
      "linux/amd64",
      "linux/arm/v9",
      "linux/arm64/v8",
      "linux/arm64/v8.1",
      "windows/amd64",
    ],
  ],
  [
    "linux/arm64/v8.1",
    ["linux/arm64/v8.1"],
    [
      "linux/arm",
      "linux/arm/v8",
      "linux/amd64",
      "linux/arm/v9",
      "linux/arm64/v8",
      "linux/arm64/v9",
      "windows/arm",
    ],
  ],
  [
    "linux/arm64",
    ["linux/arm64", "linux/arm64/v8"],
    ["linux/arm", "linux/arm/v8", "linux/arm/v9", "linux/arm64/v9", "windows/arm"],
  ],
];

describe.each<[string, boolean, [string, string[], string[]][]]>([
  ["TestOnly", false, ONLY],
  ["TestOnlyStrict", true, STRICT],
])("%s", (_name, strict, table) => {
  describe.each(table)("%s", (wanted, yes, no) => {
    it.each(yes)(`matches %s`, (candidate) => {
      expect(matchPlatform(parse(wanted), parse(candidate), { strict })).toBe(true);
    });
    it.each(no)(`does not match %s`, (candidate) => {
      expect(matchPlatform(parse(wanted), parse(candidate), { strict })).toBe(false);
    });
  });
});

describe("Test_PlatformCompat (Windows host and image builds)", () => {
  it.each<[number, number, boolean]>([
    [17763, 17763, true],
    [17763, 20348, false],
    [20348, 17763, false],
    [20348, 20348, true],
    [22621, 17763, false],
    [22621, 20348, true],
  ])("host 10.0.%i runs 10.0.%i: %s", (host, image, runs) => {
    const wanted = parse(`windows(10.0.${host})/amd64`);
    expect(matchPlatform(wanted, parse(`windows(10.0.${image}.1)/amd64`))).toBe(runs);
  });

  it("reads versions as containerd does: fewer than three parts or out-of-range numbers are no version", () => {
    // A host "version" containerd cannot read matches every image; an image version it cannot read runs nowhere.
    expect(matchPlatform(parse("windows(10.0)/amd64"), parse("windows(10.0.17763.1)/amd64"))).toBe(true);
    expect(matchPlatform(parse("windows(10.0.17763)/amd64"), parse("windows(10.0)/amd64"))).toBe(false);
    expect(matchPlatform(parse("windows(10.0.17763)/amd64"), parse("windows(10.x.17763)/amd64"))).toBe(false);
    expect(matchPlatform(parse("windows(10.0.99999)/amd64"), parse("windows(10.0.17763)/amd64"))).toBe(true);
  });
});

const entry = (platform: string, digit: string): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${digit.repeat(64)}`,
  size: 500,
  platform: parse(platform),
});

describe("ties in an index", () => {
  it.each<[string, string, string[], string]>([
    // Test_PlatformOrder: the newest Windows build the host runs, whatever the index order.
    [
      "2022 picks 2022",
      "windows(10.0.20348.3091)/amd64",
      ["linux/amd64", "windows(10.0.20348.3091)/amd64", "windows(10.0.26100.2894)/amd64"],
      "2",
    ],
    [
      "2025 picks 2025",
      "windows(10.0.26100.2894)/amd64",
      ["linux/amd64", "windows(10.0.20348.3091)/amd64", "windows(10.0.26100.2894)/amd64"],
      "3",
    ],
    [
      "2025 picks the latest revision",
      "windows(10.0.26100.2894)/amd64",
      ["linux/amd64", "windows(10.0.26100.3000)/amd64", "windows(10.0.20348.3091)/amd64"],
      "2",
    ],
    // By number, not as text: 10.0.20348.10 is newer than 10.0.20348.9.
    [
      "revisions compare as numbers",
      "windows/amd64",
      ["windows(10.0.20348.10)/amd64", "windows(10.0.20348.9)/amd64"],
      "1",
    ],
    [
      "revisions compare as numbers (reversed)",
      "windows/amd64",
      ["windows(10.0.20348.9)/amd64", "windows(10.0.20348.10)/amd64"],
      "2",
    ],
    // OS features: the entry that uses what the host offers, before or after the plain one.
    ["gpu host, plain first", "linux(+gpu)/amd64", ["linux/amd64", "linux(+gpu)/amd64"], "2"],
    ["gpu host, gpu first", "linux(+gpu)/amd64", ["linux(+gpu)/amd64", "linux/amd64"], "1"],
    [
      "more offered features win",
      "windows(+a+b)/amd64",
      ["windows(+a)/amd64", "windows(+a+b)/amd64", "windows/amd64"],
      "2",
    ],
    ["a plain host never takes a feature image", "linux/amd64", ["linux(+gpu)/amd64", "linux/amd64"], "2"],
    // OS version on other systems: the exact one asked for.
    ["linux os.version asked for", "linux(6.1)/amd64", ["linux(5.10)/amd64", "linux(6.1)/amd64"], "2"],
    // A better rank still beats any tie-breaker.
    ["exact variant beats features", "linux(+gpu)/arm/v7", ["linux(+gpu)/arm/v6", "linux/arm/v7"], "2"],
    // Equal in every way: the first in the index.
    ["true ties keep index order", "linux/amd64", ["linux/amd64", "linux/amd64"], "1"],
  ])("%s", (_name, wanted, platforms, digit) => {
    const index = { manifests: platforms.map((p, i) => entry(p, String(i + 1))) };
    expect(selectManifest(index, parse(wanted))?.digest).toBe(`sha256:${digit.repeat(64)}`);
  });
});
