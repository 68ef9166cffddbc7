import type { Descriptor } from "./descriptor.js";
import type { ImageIndex } from "./image-index.js";
import { formatPlatform, normalizePlatform, type Platform } from "./platform.js";

/**
 * Platform matching and selection, after containerd's default matcher (`platforms.Only`):
 * https://github.com/containerd/platforms/blob/main/compare.go
 */

/** Options of {@link matchPlatform} and {@link selectManifest}. */
export interface MatchOptions {
  /**
   * Only the exact platform (containerd's `OnlyStrict`): no arm/v6 for an arm/v7 host, no 386 for amd64.
   * Spellings still normalise (`aarch64` is `arm64/v8`).
   */
  strict?: boolean;
}

/** `vN` → N, or NaN. */
const versionOf = (variant: string | undefined): number =>
  variant && /^v\d+$/.test(variant) ? Number(variant.slice(1)) : Number.NaN;

const withVariant = (p: Platform, architecture: string, variant?: string): Platform => {
  const out: Platform = { ...p, architecture };
  if (variant) out.variant = variant;
  else delete out.variant;
  return out;
};

/**
 * The platforms an image for `wanted` may be replaced with, best first (containerd's `platformVector`): amd64/vN
 * takes amd64/v(N-1)…v1, then 386; arm/vN takes arm/v(N-1)…v5; arm64/v8.x takes v8.(x-1)…v8, then 32-bit arm
 * from v8 down to v5; arm64/v9.x also takes v9.(x-1)…v9 and then v8.(x+5) downwards (v9.0 forked from v8.5).
 * `wanted` must be normalised.
 */
export function compatiblePlatforms(wanted: Platform): Platform[] {
  const vector: Platform[] = [wanted];
  switch (wanted.architecture) {
    case "amd64": {
      // amd64 has no variant for the baseline v1.
      const level = versionOf(wanted.variant);
      for (let v = level - 1; v >= 1; v--)
        vector.push(withVariant(wanted, "amd64", v > 1 ? `v${v}` : undefined));
      vector.push(withVariant(wanted, "386"));
      break;
    }
    case "arm": {
      const level = versionOf(wanted.variant);
      for (let v = level - 1; v >= 5; v--) vector.push(withVariant(wanted, "arm", `v${v}`));
      break;
    }
    case "arm64": {
      let variant = wanted.variant ?? "v8";
      const match = /^v(\d+)(?:\.(\d+))?$/.exec(variant);
      let major = match ? Number(match[1]) : Number.NaN;
      if (major >= 8) {
        let minor = match?.[2] !== undefined ? Number(match[2]) : 0;
        const name = (maj: number, min: number) => (min === 0 ? `v${maj}` : `v${maj}.${min}`);
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--) vector.push(withVariant(wanted, "arm64", name(9, m)));
          minor += 5;
          major = 8;
          vector.push(withVariant(wanted, "arm64", name(8, minor)));
        }
        for (let m = minor - 1; m >= 0; m--) vector.push(withVariant(wanted, "arm64", name(major, m)));
      }
      // A 64-bit ARM CPU runs 32-bit arm code too (containerd: arm64 → arm/v8 … arm/v5).
      if (variant.startsWith("v8.") || variant.startsWith("v9.")) variant = "v8";
      vector.push(...compatiblePlatforms(withVariant(wanted, "arm", variant)));
      break;
    }
  }
  return vector;
}

const versionParts = (v: string | undefined): number[] =>
  (v ?? "").split(".").map((n) => Number.parseInt(n, 10));

/**
 * Whether a Windows image built for `image` runs on a host of `host` (both `os.version`s): same major.minor; before
 * Windows Server 2022 the build must be equal; from it on, any build between 20348 and the host's runs.
 * https://learn.microsoft.com/en-us/virtualization/windowscontainers/deploy-containers/version-compatibility
 */
function windowsVersionMatches(host: string | undefined, image: string | undefined): boolean {
  if (!host || !image) return true;
  const [hMajor, hMinor, hBuild] = versionParts(host);
  const [iMajor, iMinor, iBuild] = versionParts(image);
  if (hBuild === undefined || Number.isNaN(hBuild)) return true;
  if (hMajor !== iMajor || hMinor !== iMinor || iBuild === undefined || Number.isNaN(iBuild)) return false;
  if (hBuild < 20348) return hBuild === iBuild;
  return iBuild >= 20348 && iBuild <= hBuild;
}

/** Exact comparison of two normalised platforms (containerd's `matcher.Match`). */
function samePlatform(pattern: Platform, candidate: Platform): boolean {
  if (pattern.os !== candidate.os || pattern.architecture !== candidate.architecture) return false;
  if ((pattern.variant ?? "") !== (candidate.variant ?? "")) return false;
  if (pattern.os === "windows" && !windowsVersionMatches(pattern["os.version"], candidate["os.version"]))
    return false;
  // The image's required OS features must all be offered by the wanted platform.
  const offered = new Set(pattern["os.features"] ?? []);
  return (candidate["os.features"] ?? []).every((f) => offered.has(f));
}

/**
 * How good a substitute `candidate` is for `wanted`: 0 for the exact platform, higher for fallbacks, -1 when it does
 * not run there. Both are normalised here.
 */
export function platformRank(wanted: Platform, candidate: Platform, options: MatchOptions = {}): number {
  const target = normalizePlatform(candidate);
  const vector = options.strict
    ? [normalizePlatform(wanted)]
    : compatiblePlatforms(normalizePlatform(wanted));
  return vector.findIndex((p) => samePlatform(p, target));
}

/** Whether an image for `candidate` can run where `wanted` is asked for (see {@link compatiblePlatforms}). */
export function matchPlatform(wanted: Platform, candidate: Platform, options: MatchOptions = {}): boolean {
  return platformRank(wanted, candidate, options) !== -1;
}

/**
 * Whether an index entry is a BuildKit attestation manifest (SBOM, provenance): platform `unknown/unknown` and the
 * `vnd.docker.reference.type: attestation-manifest` annotation. Never an image to run.
 * https://github.com/moby/buildkit/blob/master/docs/attestations/attestation-storage.md
 */
export function isAttestation(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") return true;
  return descriptor.platform?.os === "unknown" || descriptor.platform?.architecture === "unknown";
}

/**
 * The index entry to use for `wanted`: the best match by {@link compatiblePlatforms} order, the first in the index
 * among equals (for Windows, the newest `os.version` among equals, as containerd does). Entries without a platform and
 * attestation manifests are never chosen. Returns `undefined` when nothing matches: the caller decides what to throw
 * (with {@link listPlatforms} to say what there is).
 */
export function selectManifest(
  index: Pick<ImageIndex, "manifests">,
  wanted: Platform,
  options: MatchOptions = {},
): Descriptor | undefined {
  let best: Descriptor | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const descriptor of index.manifests) {
    if (!descriptor.platform || isAttestation(descriptor)) continue;
    const rank = platformRank(wanted, descriptor.platform, options);
    if (rank === -1) continue;
    if (rank < bestRank || (rank === bestRank && newerWindows(descriptor, best))) {
      best = descriptor;
      bestRank = rank;
    }
  }
  return best;
}

function newerWindows(a: Descriptor, b: Descriptor | undefined): boolean {
  if (!b || a.platform?.os !== "windows") return false;
  const va = versionParts(a.platform?.["os.version"]);
  const vb = versionParts(b.platform?.["os.version"]);
  for (let i = 0; i < Math.max(va.length, vb.length); i++) {
    const x = va[i] ?? -1;
    const y = vb[i] ?? -1;
    if (x !== y) return (Number.isNaN(x) ? -1 : x) > (Number.isNaN(y) ? -1 : y);
  }
  return false;
}

/**
 * The platforms an index offers, formatted (`linux/arm/v7`), in index order, without duplicates. Attestation
 * manifests and entries without a platform are left out.
 */
export function listPlatforms(index: Pick<ImageIndex, "manifests">): string[] {
  const seen = new Set<string>();
  for (const descriptor of index.manifests) {
    if (descriptor.platform && !isAttestation(descriptor)) seen.add(formatPlatform(descriptor.platform));
  }
  return [...seen];
}
