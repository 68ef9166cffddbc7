import { describe, expect, it } from "vitest";
import {
  compatiblePlatforms,
  type Descriptor,
  formatPlatform,
  type ImageIndex,
  isAttestation,
  listPlatforms,
  matchPlatform,
  parsePlatform,
  platformRank,
  selectManifest,
} from "./index.js";
import { ALPINE_DOCKER_LIST, ALPINE_OCI_INDEX, ALPINE_PLATFORMS, WINDOWS_INDEX } from "./test-fixtures.js";

const p = parsePlatform;
const alpineOci = JSON.parse(ALPINE_OCI_INDEX) as ImageIndex;
const alpineList = JSON.parse(ALPINE_DOCKER_LIST) as ImageIndex;
const digestOf = (platform: string) => ALPINE_PLATFORMS.find(([name]) => name === platform)![1];
const without = (index: ImageIndex, ...platforms: string[]): ImageIndex => ({
  ...index,
  manifests: index.manifests.filter((d) => !d.platform || !platforms.includes(formatPlatform(d.platform))),
});
const entry = (platform: string, digit: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${digit.repeat(64)}`,
  size: 500,
  platform: p(platform),
  ...extra,
});

describe("matchPlatform", () => {
  it.each<[string, string, boolean, boolean]>([
    // wanted, candidate, matches, matches strictly
    ["linux/amd64", "linux/amd64", true, true],
    ["linux/x86_64", "linux/amd64", true, true],
    ["linux/amd64", "linux/386", true, false],
    ["linux/386", "linux/amd64", false, false],
    ["linux/amd64", "linux/amd64/v2", false, false],
    ["linux/amd64/v3", "linux/amd64/v2", true, false],
    ["linux/amd64/v3", "linux/amd64", true, false],
    ["linux/amd64/v2", "linux/amd64/v1", true, false],
    ["linux/arm64", "linux/arm64/v8", true, true],
    ["linux/arm64/v8", "linux/arm64", true, true],
    ["linux/aarch64", "linux/arm64", true, true],
    ["linux/arm64", "linux/arm/v7", true, false],
    ["linux/arm64", "linux/arm/v5", true, false],
    ["linux/arm64/v8.2", "linux/arm64/v8.1", true, false],
    ["linux/arm64/v8.2", "linux/arm64", true, false],
    ["linux/arm64/v8", "linux/arm64/v8.2", false, false],
    ["linux/arm64/v9", "linux/arm64/v8.5", true, false],
    ["linux/arm64/v9", "linux/arm64/v8.6", false, false],
    ["linux/arm/v7", "linux/arm/v7", true, true],
    ["linux/arm", "linux/arm/v7", true, true],
    ["linux/armhf", "linux/arm", true, true],
    ["linux/arm/v7", "linux/arm/v6", true, false],
    ["linux/arm/v7", "linux/arm/v5", true, false],
    ["linux/armel", "linux/arm/v5", true, false],
    ["linux/arm/v6", "linux/arm/v7", false, false],
    ["linux/arm/v7", "linux/arm64", false, false],
    ["linux/amd64", "windows/amd64", false, false],
    ["linux/amd64", "unknown/unknown", false, false],
    ["macos/arm64", "darwin/aarch64", true, true],
    // Windows: same build before Server 2022; from 20348 on, any build between 20348 and the host's.
    ["windows/amd64:10.0.17763.100", "windows/amd64:10.0.17763.6532", true, true],
    ["windows/amd64:10.0.17763.100", "windows/amd64:10.0.20348.2849", false, false],
    ["windows/amd64:10.0.26100.1", "windows/amd64:10.0.20348.2849", true, true],
    ["windows/amd64:10.0.26100.1", "windows/amd64:10.0.17763.6532", false, false],
    ["windows/amd64:10.0.20348.1", "windows/amd64:10.0.26100.2314", false, false],
    ["windows/amd64", "windows/amd64:10.0.17763.6532", true, true],
    ["windows/amd64:10.0.17763.1", "windows/amd64", true, true],
    ["linux/amd64:5.10", "linux/amd64:6.1", true, true],
  ])("%s wants %s: %s (strict: %s)", (wanted, candidate, loose, strict) => {
    expect(matchPlatform(p(wanted), p(candidate))).toBe(loose);
    expect(matchPlatform(p(wanted), p(candidate), { strict: true })).toBe(strict);
  });

  it("os.features the image needs must be offered", () => {
    const image = { os: "windows", architecture: "amd64", "os.features": ["win32k"] };
    expect(matchPlatform({ os: "windows", architecture: "amd64" }, image)).toBe(false);
    expect(
      matchPlatform({ os: "windows", architecture: "amd64", "os.features": ["win32k", "x"] }, image),
    ).toBe(true);
  });

  it("ranks the exact platform first", () => {
    expect(platformRank(p("linux/arm/v7"), p("linux/arm/v7"))).toBe(0);
    expect(platformRank(p("linux/arm/v7"), p("linux/arm/v6"))).toBe(1);
    expect(platformRank(p("linux/arm/v7"), p("linux/arm/v5"))).toBe(2);
    expect(platformRank(p("linux/arm/v7"), p("linux/arm64"))).toBe(-1);
  });
});

describe("compatiblePlatforms (containerd's platformVector)", () => {
  it.each([
    ["linux/amd64", ["linux/amd64", "linux/386"]],
    ["linux/amd64/v3", ["linux/amd64/v3", "linux/amd64/v2", "linux/amd64", "linux/386"]],
    ["linux/arm/v7", ["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]],
    ["linux/arm/v5", ["linux/arm/v5"]],
    ["linux/arm64/v8", ["linux/arm64/v8", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]],
    [
      "linux/arm64/v8.2",
      [
        "linux/arm64/v8.2",
        "linux/arm64/v8.1",
        "linux/arm64/v8",
        "linux/arm/v8",
        "linux/arm/v7",
        "linux/arm/v6",
        "linux/arm/v5",
      ],
    ],
    [
      "linux/arm64/v9.1",
      [
        "linux/arm64/v9.1",
        "linux/arm64/v9",
        "linux/arm64/v8.6",
        "linux/arm64/v8.5",
        "linux/arm64/v8.4",
        "linux/arm64/v8.3",
        "linux/arm64/v8.2",
        "linux/arm64/v8.1",
        "linux/arm64/v8",
        "linux/arm/v8",
        "linux/arm/v7",
        "linux/arm/v6",
        "linux/arm/v5",
      ],
    ],
    ["linux/s390x", ["linux/s390x"]],
  ])("%s", (wanted, vector) => {
    expect(compatiblePlatforms(p(wanted)).map(formatPlatform)).toEqual(vector);
  });
});

describe("selectManifest", () => {
  it.each<[string, string | undefined]>([
    ["linux/amd64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/arm64", "linux/arm64/v8"],
    ["linux/arm64/v8", "linux/arm64/v8"],
    ["linux/aarch64", "linux/arm64/v8"],
    ["linux/arm/v7", "linux/arm/v7"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/v6", "linux/arm/v6"],
    ["linux/arm/v5", undefined],
    ["linux/386", "linux/386"],
    ["linux/riscv64", "linux/riscv64"],
    ["linux/ppc64le", "linux/ppc64le"],
    ["linux/mips64le", undefined],
    ["windows/amd64", undefined],
    ["unknown/unknown", undefined],
  ])("alpine OCI index (with attestations), %s → %s", (wanted, chosen) => {
    const descriptor = selectManifest(alpineOci, p(wanted));
    expect(descriptor?.digest).toBe(chosen && digestOf(chosen));
    if (descriptor) expect(isAttestation(descriptor)).toBe(false);
  });

  it.each<[string, string[], string | undefined, string | undefined]>([
    // wanted, platforms removed from alpine's Docker list, chosen, chosen when strict
    ["linux/arm/v7", [], "linux/arm/v7", "linux/arm/v7"],
    ["linux/arm/v7", ["linux/arm/v7"], "linux/arm/v6", undefined],
    ["linux/arm64", ["linux/arm64/v8"], "linux/arm/v7", undefined],
    ["linux/arm64", ["linux/arm64/v8", "linux/arm/v7"], "linux/arm/v6", undefined],
    ["linux/amd64", ["linux/amd64"], "linux/386", undefined],
    ["linux/386", ["linux/386"], undefined, undefined],
  ])("alpine Docker list: %s without %j → %s (strict: %s)", (wanted, removed, chosen, strictChosen) => {
    const index = without(alpineList, ...removed);
    expect(selectManifest(index, p(wanted))?.digest).toBe(chosen && digestOf(chosen));
    expect(selectManifest(index, p(wanted), { strict: true })?.digest).toBe(
      strictChosen && digestOf(strictChosen),
    );
  });

  it("prefers the exact variant over a fallback listed first", () => {
    const index = {
      manifests: [entry("linux/arm/v5", "5"), entry("linux/arm/v6", "6"), entry("linux/arm/v7", "7")],
    };
    expect(selectManifest(index, p("linux/arm/v7"))?.digest).toBe(`sha256:${"7".repeat(64)}`);
    expect(selectManifest(index, p("linux/arm/v6"))?.digest).toBe(`sha256:${"6".repeat(64)}`);
  });

  it("takes the first of equal matches, and skips entries without a platform", () => {
    const { platform: _, ...noPlatform } = entry("linux/amd64", "0");
    const index = { manifests: [noPlatform, entry("linux/amd64", "1"), entry("linux/amd64", "2")] };
    expect(selectManifest(index, p("linux/amd64"))?.digest).toBe(`sha256:${"1".repeat(64)}`);
  });

  it("never picks an attestation, even one with a real platform", () => {
    const attestation = entry("linux/amd64", "a", {
      annotations: { "vnd.docker.reference.type": "attestation-manifest" },
    });
    expect(selectManifest({ manifests: [attestation] }, p("linux/amd64"))).toBeUndefined();
  });

  it.each([
    ["windows/amd64", "10.0.26100.2314"],
    ["windows/amd64:10.0.26100.5", "10.0.26100.2314"],
    ["windows/amd64:10.0.20348.100", "10.0.20348.2849"],
    ["windows/amd64:10.0.17763.1", "10.0.17763.6532"],
    ["windows/amd64:10.0.19041.1", undefined],
  ])("Windows index: %s → %s", (wanted, version) => {
    expect(selectManifest(WINDOWS_INDEX, p(wanted))?.platform?.["os.version"]).toBe(version);
  });
});

describe("listPlatforms / isAttestation", () => {
  it("lists alpine's platforms without the attestations", () => {
    expect(listPlatforms(alpineOci)).toEqual(ALPINE_PLATFORMS.map(([name]) => name));
    expect(listPlatforms(alpineList)).toEqual([
      "linux/amd64",
      "linux/arm/v6",
      "linux/arm/v7",
      "linux/arm64/v8",
      "linux/386",
      "linux/ppc64le",
      "linux/s390x",
    ]);
  });

  it("lists Windows versions and de-duplicates", () => {
    const index = { manifests: [...WINDOWS_INDEX.manifests, WINDOWS_INDEX.manifests[0]!] };
    expect(listPlatforms(index)).toEqual([
      "windows(10.0.17763.6532)/amd64",
      "windows(10.0.20348.2849)/amd64",
      "windows(10.0.26100.2314)/amd64",
      "linux/amd64",
    ]);
    expect(listPlatforms({ manifests: [] })).toEqual([]);
  });

  it.each<[string, Partial<Descriptor>, boolean]>([
    ["unknown/unknown platform", { platform: { os: "unknown", architecture: "unknown" } }, true],
    [
      "attestation annotation",
      { annotations: { "vnd.docker.reference.type": "attestation-manifest" } },
      true,
    ],
    ["a real image", { platform: { os: "linux", architecture: "amd64" } }, false],
    ["no platform", {}, false],
  ])("%s → %s", (_name, extra, expected) => {
    const d = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${"0".repeat(64)}`,
      size: 1,
      ...extra,
    };
    expect(isAttestation(d)).toBe(expected);
  });
});
