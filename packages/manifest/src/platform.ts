import { endianness } from "node:os";
import { UsageError } from "@regatta/errors";

/**
 * A platform as the OCI index spec writes it (the `platform` object of a descriptor, and the fields of an image
 * config). https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md#image-index-property-descriptions
 */
export interface Platform {
  /** CPU architecture, in GOARCH terms: `amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`, `riscv64`… */
  architecture: string;
  /** Operating system, in GOOS terms: `linux`, `windows`, `freebsd`… */
  os: string;
  /** CPU variant: `v6`/`v7`/`v8` for arm, `v8` for arm64, `v2`/`v3` for amd64. */
  variant?: string;
  /** OS version, used by Windows images (`10.0.17763.1234`). */
  "os.version"?: string;
  /** Required OS features (`win32k`). */
  "os.features"?: string[];
  /** Docker manifest lists only: CPU features (`sse4`). Reserved by OCI; ignored when matching. */
  features?: string[];
}

const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses a platform specifier: `os/arch[/variant]`, with an optional OS version written either as a `:version`
 * suffix (`windows/amd64:10.0.17763.1234`) or the containerd way (`windows(10.0.17763.1234)/amd64`).
 * Values are kept as written; {@link normalizePlatform} canonicalises them.
 * @throws UsageError when the specifier does not have that shape.
 */
export function parsePlatform(specifier: string): Platform {
  const bad = (why: string): never => {
    throw new UsageError(
      `invalid platform ${JSON.stringify(specifier)}: ${why}; expected os/arch[/variant][:osversion]`,
    );
  };
  if (typeof specifier !== "string" || specifier.trim() === "") bad("empty");
  let rest = specifier.trim();
  let osVersion: string | undefined;
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    osVersion = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!osVersion) bad("empty OS version after ':'");
  }
  const parts = rest.split("/");
  if (parts.length < 2 || parts.length > 3) bad("wrong number of parts");
  let os = parts[0]!;
  // containerd's form: `windows(10.0.17763)`; https://github.com/containerd/platforms/blob/main/platforms.go
  const paren = /^([A-Za-z0-9_-]+)\(([A-Za-z0-9_.%-]*)\)$/.exec(os);
  if (paren) {
    if (osVersion !== undefined) bad("OS version given twice");
    os = paren[1]!;
    osVersion = paren[2] || undefined;
  }
  for (const part of [os, ...parts.slice(1)])
    if (!COMPONENT.test(part)) bad(`bad component ${JSON.stringify(part)}`);
  if (osVersion !== undefined && !/^[A-Za-z0-9_.+-]+$/.test(osVersion))
    bad(`bad OS version ${JSON.stringify(osVersion)}`);
  const platform: Platform = { os, architecture: parts[1]! };
  if (parts[2]) platform.variant = parts[2];
  if (osVersion) platform["os.version"] = osVersion;
  return platform;
}

/** Formats a platform as `os/arch[/variant][:osversion]` (the form {@link parsePlatform} reads). */
export function formatPlatform(platform: Platform): string {
  const os = platform.os || "unknown";
  const arch = platform.architecture || "unknown";
  const base = platform.variant ? `${os}/${arch}/${platform.variant}` : `${os}/${arch}`;
  return platform["os.version"] ? `${base}:${platform["os.version"]}` : base;
}

/**
 * The canonical form of a platform, so that two spellings of the same platform compare equal. Follows containerd's
 * normalisation (https://github.com/containerd/platforms/blob/main/database.go): lower case; `macos` → `darwin`;
 * `x86_64`/`x86-64` → `amd64` (variant `v1` dropped, it is the baseline); `aarch64` → `arm64`; `armhf` → `arm/v7`;
 * `armel` → `arm/v6`; `i386` → `386`. Unlike containerd, which leaves arm64's `v8` implicit, the default variants are
 * made explicit (`arm64` → `v8`, `arm` → `v7`) so that a formatted platform says what it means.
 */
export function normalizePlatform(platform: Platform): Platform {
  let os = (platform.os ?? "").toLowerCase();
  if (os === "macos") os = "darwin";
  let architecture = (platform.architecture ?? "").toLowerCase();
  let variant = (platform.variant ?? "").toLowerCase();
  switch (architecture) {
    case "i386":
    case "386":
      architecture = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      architecture = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      architecture = "arm64";
      if (variant === "" || variant === "8") variant = "v8";
      break;
    case "armhf":
      architecture = "arm";
      variant = "v7";
      break;
    case "armel":
      architecture = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "") variant = "v7";
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  if (platform["os.version"]) out["os.version"] = platform["os.version"];
  if (platform["os.features"]?.length) out["os.features"] = [...new Set(platform["os.features"])].sort();
  if (platform.features?.length) out.features = [...platform.features];
  return out;
}

/** Node's `process.arch` → GOARCH. */
const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "386",
  arm64: "arm64",
  arm: "arm",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips: "mips",
  mipsel: "mipsle",
  mips64el: "mips64le",
  ppc: "ppc",
};

/** Node's `process.platform` → GOOS. */
const NODE_OS: Readonly<Record<string, string>> = {
  linux: "linux",
  win32: "windows",
  freebsd: "freebsd",
  openbsd: "openbsd",
  netbsd: "netbsd",
  sunos: "solaris",
  aix: "aix",
  android: "android",
  // There are no darwin images: on a Mac, Docker Desktop, Podman and colima all run containers in a Linux VM of the
  // host's architecture, so the image a Mac user wants is linux/<arch>.
  darwin: "linux",
};

/** Where {@link hostPlatform} reads the host from; tests pass their own. */
export interface HostInfo {
  /** Like `process.platform`. */
  platform?: string;
  /** Like `process.arch`. */
  arch?: string;
  /** For 32-bit arm: the ARM version Node was built for (`process.config.variables.arm_version`), e.g. `"7"`. */
  armVersion?: string;
  /** For `ppc64`: whether the host is little-endian (`os.endianness() === "LE"`). */
  littleEndian?: boolean;
}

/**
 * The platform of the machine running Regatta, normalised: the image `docker pull` would pick here.
 * macOS maps to `linux` (containers run in a Linux VM); Windows maps to `windows`.
 */
export function hostPlatform(host: HostInfo = {}): Platform {
  const nodePlatform = host.platform ?? process.platform;
  const nodeArch = host.arch ?? process.arch;
  const os = NODE_OS[nodePlatform] ?? nodePlatform;
  let architecture = NODE_ARCH[nodeArch] ?? nodeArch;
  let variant: string | undefined;
  if (nodeArch === "ppc64") {
    // Node says ppc64 for both; the images are ppc64le (POWER8+ Linux is little-endian).
    architecture = (host.littleEndian ?? endianness() === "LE") ? "ppc64le" : "ppc64";
  } else if (architecture === "arm") {
    const version =
      host.armVersion ?? String((process.config.variables as Record<string, unknown>).arm_version ?? "7");
    variant = `v${version}`;
  }
  return normalizePlatform({ os, architecture, ...(variant ? { variant } : {}) });
}
