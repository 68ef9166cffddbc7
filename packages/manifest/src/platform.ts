import { quoteText, UsageError } from "@regatta/errors";

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

// containerd's specifier grammar, https://github.com/containerd/platforms/blob/main/platforms.go (`specifierRe`,
// `osRe`): `<os>[(<os.version>[+<os.feature>]*)]/<arch>[/<variant>]`, where the version and each feature may carry
// %-escapes (url.PathUnescape) for the characters the syntax itself uses.
const COMPONENT = /^[A-Za-z0-9_.-]+$/;
const OS_PART = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
/** The characters an OS option keeps as they are when formatted; everything else is %-escaped (UTF-8). */
const OS_OPTION_PLAIN = /[A-Za-z0-9_.-]/;

/** Go's `go/build/syslist.go` operating systems (containerd's `isKnownOS`), for one-part specifiers. */
const KNOWN_OS = new Set(
  "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos".split(
    " ",
  ),
);
/** Go's architectures (containerd's `isKnownArch`), for one-part specifiers. */
const KNOWN_ARCH = new Set(
  "386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm".split(
    " ",
  ),
);

/** Options of {@link parsePlatform}. */
export interface ParsePlatformOptions {
  /**
   * Fills in the missing half of a one-part specifier (`linux`, `arm64`), as containerd does from the runtime.
   * Defaults to {@link hostPlatform}.
   */
  host?: Platform;
}

/** Decodes %-escapes like Go's `url.PathUnescape`: `%` must be followed by two hex digits; the bytes must be UTF-8. */
function decodeOsOption(value: string, bad: (why: string) => never, what: string): string {
  if (!value.includes("%")) return value;
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(value)) bad(`bad %-escape in ${what} ${quoteText(value)}`);
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "%") {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(value.charCodeAt(i));
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return bad(`${what} ${quoteText(value)} does not decode to UTF-8`);
  }
}

/** %-escapes every character of an OS option outside `[A-Za-z0-9_.-]`, so the result always re-parses. */
function encodeOsOption(value: string): string {
  let out = "";
  for (const ch of value) {
    if (OS_OPTION_PLAIN.test(ch)) out += ch;
    else
      for (const byte of new TextEncoder().encode(ch))
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Parses a platform specifier the containerd way (https://github.com/containerd/platforms/blob/main/platforms.go,
 * `Parse`): `os/arch[/variant]`, where `os` may carry an OS version and OS features in parentheses with %-escapes
 * (`windows(10.0.17763+win32k)/amd64`, `linux(+gpu)/amd64`, `windows(10.0.17763)/amd64`). A one-part specifier is an
 * OS (`linux`: the host's architecture) or else an architecture (`arm64`: the host's OS). go-containerregistry's
 * `os/arch[/variant]:osversion` is read too. Values are kept as written; {@link normalizePlatform} canonicalises them.
 * @throws UsageError when the specifier does not have that shape.
 */
export function parsePlatform(specifier: string, options: ParsePlatformOptions = {}): Platform {
  const bad = (why: string): never => {
    throw new UsageError(
      `invalid platform ${quoteText(specifier)}: ${why}; expected os[(osversion[+osfeature…])]/arch[/variant], e.g. linux/arm64 or windows(10.0.17763)/amd64`,
    );
  };
  if (typeof specifier !== "string" || specifier.trim() === "") bad("empty");
  let rest = specifier.trim();
  // containerd: "wildcards not yet supported".
  if (rest.includes("*")) bad("wildcards are not supported");
  let suffixVersion: string | undefined;
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    suffixVersion = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!suffixVersion) bad("empty OS version after ':'");
    if (!/^[A-Za-z0-9_.+-]+$/.test(suffixVersion)) bad(`bad OS version ${quoteText(suffixVersion)}`);
  }
  const parts = rest.split("/");
  if (parts.length > 3) bad("too many parts");
  const osPart = OS_PART.exec(parts[0]!);
  if (!osPart) bad(`bad OS component ${quoteText(parts[0])}`);
  for (const part of parts.slice(1)) if (!COMPONENT.test(part)) bad(`bad component ${quoteText(part)}`);
  const os = osPart![1]!;
  const osVersion = decodeOsOption(osPart![2] ?? "", bad, "OS version");
  const osFeatures = osPart![3]
    ? osPart![3]
        .slice(1)
        .split("+")
        .map((f) => decodeOsOption(f, bad, "OS feature"))
    : [];
  if (suffixVersion !== undefined && osPart![2] !== undefined) bad("OS version given twice");

  let platform: Platform;
  if (parts.length === 1) {
    // containerd: a known OS takes the host's architecture; otherwise it must be a known architecture, which takes
    // the host's OS. Unknown words are refused, since a typo would otherwise silently pick something.
    const host = options.host ?? hostPlatform();
    if (KNOWN_OS.has(normalizeOs(os))) {
      platform = { os, architecture: host.architecture };
      if (host.variant) platform.variant = host.variant;
    } else if (osPart![2] === undefined && KNOWN_ARCH.has(normalizeArch(os, "")[0])) {
      platform = { os: host.os, architecture: os };
    } else return bad(`${quoteText(os)} is neither a known OS nor a known architecture`);
  } else {
    platform = { os, architecture: parts[1]! };
    if (parts[2]) platform.variant = parts[2];
  }
  const version = suffixVersion ?? osVersion;
  if (version) platform["os.version"] = version;
  if (osFeatures.length) platform["os.features"] = osFeatures;
  return platform;
}

/**
 * Formats a platform the way {@link parsePlatform} reads it, like containerd's `FormatAll`:
 * `os[(osversion[+osfeature…])]/arch[/variant]`, with %-escapes in the version and features. Features keep their
 * order (normalise first for the canonical text).
 */
export function formatPlatform(platform: Platform): string {
  const os = platform.os || "unknown";
  const arch = platform.architecture || "unknown";
  const version = encodeOsOption(platform["os.version"] ?? "");
  // Empty features are skipped, as containerd's FormatAll does: `+` alone would not parse.
  const features = (platform["os.features"] ?? [])
    .filter((f) => f !== "")
    .map((f) => `+${encodeOsOption(f)}`)
    .join("");
  const head = version || features ? `${os}(${version}${features})` : os;
  return platform.variant ? `${head}/${arch}/${platform.variant}` : `${head}/${arch}`;
}

/** containerd's `normalizeOS`: lower case, `macos` → `darwin`. */
function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === "macos" ? "darwin" : lower;
}

/**
 * containerd's `normalizeArch` (https://github.com/containerd/platforms/blob/main/database.go), with the default
 * variants made explicit and every digit spelling folded: `arm64` `8`/`v8`/`v8.0` → `v8`, `9`/`9.0`/`v9.0` → `v9`,
 * `8.2` → `v8.2`; `arm` `7` → `v7`; `amd64` `v1` → none (the baseline).
 */
function normalizeArch(architecture: string, variant: string): [string, string] {
  let arch = architecture.toLowerCase();
  let v = variant.toLowerCase();
  if (arch === "i386") arch = "386";
  else if (arch === "x86_64" || arch === "x86-64") arch = "amd64";
  else if (arch === "aarch64") arch = "arm64";
  else if (arch === "armhf" || arch === "armel") return ["arm", arch === "armhf" ? "v7" : "v6"];
  if (arch === "386") return [arch, ""];
  if (arch !== "arm" && arch !== "arm64" && arch !== "amd64") return [arch, v];
  // The numbered variants of these three are versions: `8`, `v8` and `v8.0` are one spelling of arm64 v8, as are
  // `9`, `9.0` and `v9.0` of v9 (containerd's database.go folds exactly these; we fold the whole class).
  const numbered = /^v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/.exec(v);
  if (numbered) v = numbered[2] && numbered[2] !== "0" ? `v${numbered[1]}.${numbered[2]}` : `v${numbered[1]}`;
  if (arch === "amd64" && v === "v1") v = "";
  else if (arch === "arm64" && v === "") v = "v8";
  else if (arch === "arm" && v === "") v = "v7";
  return [arch, v];
}

/**
 * The canonical form of a platform, so that two spellings of the same platform compare equal. Follows containerd's
 * `Normalize` (https://github.com/containerd/platforms/blob/main/database.go): lower case; `macos` → `darwin`;
 * `x86_64`/`x86-64` → `amd64` (variant `v1` dropped, it is the baseline); `aarch64` → `arm64`; `armhf` → `arm/v7`;
 * `armel` → `arm/v6`; `i386` → `386`; `arm64/v8.0` → `arm64/v8`, `v9.0` → `v9`; OS features sorted and unique.
 * Unlike containerd, which leaves arm64's `v8` and arm's `v7` implicit, the default variants are made explicit
 * (`arm64` → `v8`, `arm` → `v7`) so that a formatted platform says what it means.
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = normalizeOs(platform.os ?? "");
  const [architecture, variant] = normalizeArch(platform.architecture ?? "", platform.variant ?? "");
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
  // Read through globalThis so the package loads where there is no `process` (a browser), which must pass `host`.
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  const nodePlatform = host.platform ?? proc?.platform;
  const nodeArch = host.arch ?? proc?.arch;
  if (nodePlatform === undefined || nodeArch === undefined) {
    throw new UsageError(
      "hostPlatform() needs Node's process.platform and process.arch here; pass { platform, arch }",
    );
  }
  const os = NODE_OS[nodePlatform] ?? nodePlatform;
  let architecture = NODE_ARCH[nodeArch] ?? nodeArch;
  let variant: string | undefined;
  if (nodeArch === "ppc64") {
    // Node says ppc64 for both; the images are ppc64le (POWER8+ Linux is little-endian).
    architecture = (host.littleEndian ?? isLittleEndian()) ? "ppc64le" : "ppc64";
  } else if (architecture === "arm") {
    const version =
      host.armVersion ??
      String((proc?.config.variables as Record<string, unknown> | undefined)?.arm_version ?? "7");
    variant = `v${version}`;
  }
  return normalizePlatform({ os, architecture, ...(variant ? { variant } : {}) });
}

/** Whether this machine stores the low byte first: what `os.endianness() === "LE"` says, without node:os. */
function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
