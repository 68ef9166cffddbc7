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
 * from v8 down to v5; arm64/v9.x also takes v9.(x-1)…v9 and then v8.(x+5), capped at v8.9, downwards (v9.0 forked from v8.5).
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
      // Minors of any length (containerd only reads one digit, so its v8.10 would not take v8.9).
      const match = /^v(\d+)(?:\.(\d+))?$/.exec(variant);
      let major = match ? Number(match[1]) : Number.NaN;
      if (major >= 8) {
        let minor = match?.[2] !== undefined ? Number(match[2]) : 0;
        const name = (maj: number, min: number) => (min === 0 ? `v${maj}` : `v${maj}.${min}`);
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--) vector.push(withVariant(wanted, "arm64", name(9, m)));
          // Armv9.0 forked from Armv8.5, so v9.x takes v8.(x+5) — but only up to v8.9 (v9.4): v8.10 and later add
          // features v9.5+ need not have. https://github.com/containerd/platforms/blob/main/compare.go
          minor = Math.min(minor + 5, 9);
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

/**
 * A Windows `os.version` as containerd reads it (`getWindowsOSVersion`): `major.minor.build[.revision]` with
 * major and minor below 256 and build below 65536; anything else is "no version" (all zero).
 * https://github.com/containerd/platforms/blob/main/platform_windows_compat.go
 */
function windowsVersion(text: string | undefined): [number, number, number] {
  const parts = (text ?? "").split(".");
  if (parts.length < 3) return [0, 0, 0];
  const num = (s: string | undefined, max: number) =>
    s && /^\d+$/.test(s) && Number(s) <= max ? Number(s) : -1;
  const out = [num(parts[0], 255), num(parts[1], 255), num(parts[2], 65535)] as const;
  return out.includes(-1) ? [0, 0, 0] : [...out];
}

/**
 * Whether a Windows image built for `image` runs on a host of `host` (both `os.version`s), containerd's
 * `checkWindowsHostAndContainerCompat`: no host version or no image version matches anything; otherwise same
 * major.minor, and before Windows Server 2022 (build 20348) the same build; from it on, any build between 20348 and
 * the host's. https://learn.microsoft.com/en-us/virtualization/windowscontainers/deploy-containers/version-compatibility
 */
function windowsVersionMatches(host: string | undefined, image: string | undefined): boolean {
  const [hMajor, hMinor, hBuild] = windowsVersion(host);
  if ((hMajor === 0 && hMinor === 0 && hBuild === 0) || !image) return true;
  const [iMajor, iMinor, iBuild] = windowsVersion(image);
  if (hMajor !== iMajor || hMinor !== iMinor) return false;
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

/** Numeric comparison of dotted versions (`10.0.20348.2849`); non-numbers sort lowest. */
function compareVersions(a: string | undefined, b: string | undefined): number {
  const pa = (a ?? "").split(".").map((n) => (/^\d+$/.test(n) ? Number(n) : -1));
  const pb = (b ?? "").split(".").map((n) => (/^\d+$/.test(n) ? Number(n) : -1));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Orders two entries that run equally well (same {@link platformRank}): negative when `a` is better. Index order is
 * no tie-breaker on its own: an index may list `linux/amd64` before `linux(+gpu)/amd64`, and a host that offers `gpu`
 * wants the second. So, in turn: the entry that uses more of the OS features the host offers (all of its features
 * are offered, or it would not match); then for Windows the newest `os.version` among those the host runs
 * (containerd's `windowsMatchComparer.Less`, compared by number rather than as text, so 10.0.9999 is not newer than
 * 10.0.17763); elsewhere the entry whose `os.version` is exactly the one asked for.
 * https://github.com/containerd/platforms/blob/main/platform_windows_compat.go
 */
function compareEqualRank(wanted: Platform, a: Platform, b: Platform): number {
  const features = (b["os.features"]?.length ?? 0) - (a["os.features"]?.length ?? 0);
  if (features !== 0) return features;
  if (wanted.os === "windows") return compareVersions(b["os.version"], a["os.version"]);
  const version = wanted["os.version"];
  if (!version) return 0;
  return Number(b["os.version"] === version) - Number(a["os.version"] === version);
}

/**
 * The index entry to use for `wanted`: the best match by {@link compatiblePlatforms} order, ties broken by OS
 * features and OS version (see {@link compareEqualRank}), then by index order. Entries without a platform and
 * attestation manifests are never chosen. Returns `undefined` when nothing matches: the caller decides what to throw
 * (with {@link listPlatforms} to say what there is).
 */
export function selectManifest(
  index: Pick<ImageIndex, "manifests">,
  wanted: Platform,
  options: MatchOptions = {},
): Descriptor | undefined {
  const target = normalizePlatform(wanted);
  let best: { descriptor: Descriptor; rank: number; platform: Platform } | undefined;
  for (const descriptor of index.manifests) {
    if (!descriptor.platform || isAttestation(descriptor)) continue;
    const rank = platformRank(target, descriptor.platform, options);
    if (rank === -1) continue;
    const platform = normalizePlatform(descriptor.platform);
    if (
      !best ||
      rank < best.rank ||
      (rank === best.rank && compareEqualRank(target, platform, best.platform) < 0)
    )
      best = { descriptor, rank, platform };
  }
  return best?.descriptor;
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
