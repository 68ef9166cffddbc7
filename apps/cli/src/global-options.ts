import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ConnectOptions } from "@regatta/client";
import { MAX_TIMEOUT_MS, quotePath, quoteText, UsageError } from "@regatta/errors";
import { MAX_PEM_FILE_BYTES, readUserFileSync } from "@regatta/errors/user-file";
import { DEFAULT_REGISTRY, parseRegistry } from "@regatta/reference";
import { type Command, Option } from "commander";

/** Flags every command takes. Only the CLI reads files and stdin for them: the library takes values. */
export interface GlobalFlags {
  verbose?: boolean;
  json?: boolean;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  anonymous?: boolean;
  /** `--authfile FILE`: a containers auth.json read first (as REGISTRY_AUTH_FILE), and where login/logout write. */
  authfile?: string;
  insecure?: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  tlsSkipVerify?: boolean;
  proxy?: string;
  timeout?: string;
  connectTimeout?: string;
  idleTimeout?: string;
  /**
   * A command's own `--platform` (see {@link platformFlag}): the client is handed it once, as
   * `client.with({ platform })`. `copy`'s list of platforms to keep is its own option, `platforms`.
   */
  platform?: string;
  /** `--har FILE`: the run's HTTP exchanges, recorded (transport har.ts) and written there when it ends. */
  har?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option("-v, --verbose", "log every HTTP request and response to stderr (secrets redacted)")
    .option("--json", "machine-readable output on stdout")
    .option(
      "--har <file>",
      "record every HTTP exchange of the run into FILE (HAR 1.2, secrets redacted as -v), for a bug report",
    )
    .option(
      "-u, --username <user>",
      "username for the registry (default: docker config / credential helpers)",
    )
    .option(
      "-p, --password <password>",
      "password or token (prefer --password-stdin: argv is visible to other users)",
    )
    .option("--password-stdin", "read the password from stdin")
    .option("--anonymous", "use no credentials, not even the docker config")
    .option(
      "--authfile <file>",
      "a containers auth.json (podman's format): credentials read from it first, and login/logout write it (default: $REGISTRY_AUTH_FILE, else the docker config)",
    )
    .option(
      "--insecure",
      "every registry the command talks to (a copy's or sync's source and target) as docker's insecure registries: https without certificate verification, then plain http if no TLS answers (loopback registries always may use http)",
    )
    .option("--ca-file <file>", "PEM bundle of extra certificate authorities to trust")
    .option(
      "--cert-file <file>",
      "PEM client certificate for mutual TLS with the registry named (needs --key-file)",
    )
    .option("--key-file <file>", "PEM private key of --cert-file")
    .option(
      "--tls-skip-verify",
      "do not verify TLS certificates, of every registry the command talks to (dangerous)",
    )
    .option(
      "--proxy <url>",
      "http:// or https:// proxy for every registry except loopback and NO_PROXY hosts (default: HTTPS_PROXY for https, HTTP_PROXY for http; ALL_PROXY and socks are not read)",
    )
    .option(
      "--timeout <duration>",
      "deadline of each attempt of a small request (manifest, tags, token, upload open/close); never a blob transfer; seconds or 30s, 1m30s (default 60; 0 for none, as skopeo's --command-timeout 0)",
    )
    .option(
      "--connect-timeout <duration>",
      "give up connecting (TCP + TLS) after this long, per attempt (default 10)",
    )
    .option(
      "--idle-timeout <duration>",
      "give up when no byte has moved for this long, in either direction, blob transfers included; response headers must be complete within it (default 30)",
    );
}

const EMPTY_PLATFORM = "--platform names an empty platform: give os/arch[/variant]";

/**
 * `--platform` for the commands that pick one image from an index: which image of an index every call of the
 * command means, handed to the client once by `CliContext.withClient` as `client.with({ platform })`. Not a global
 * flag: `copy` takes a list of platforms to keep under the same name, and commander lets a program's option swallow
 * a subcommand's option of the same name, so each command declares its own (issue 10, item 12;
 * `global-options.test.ts` fails on such a collision).
 */
export function platformFlag(): Option {
  return new Option(
    "--platform <os/arch[/variant]>",
    "the image of a multi-platform index meant (default: the index itself, or this host's where one image is needed)",
  ).argParser((value: string) => {
    if (!value.trim()) throw new UsageError(EMPTY_PLATFORM);
    // A list is copy's (platformsFlag); here it would fail deep in the platform grammar ("bad component").
    if (value.includes(",")) {
      throw new UsageError(
        `--platform takes one platform here (os/arch[/variant]), not the list ${JSON.stringify(value)}; copy takes a list, and pull --all-platforms keeps them all`,
      );
    }
    return value;
  });
}

/**
 * `copy`'s and `sync`'s `--platform`: one platform (its image alone) or a comma-separated list of the platforms to keep, read as the `platforms` flag so that it
 * never reaches the client as the one platform of {@link platformFlag}.
 */
export function platformsFlag(): Option {
  const option = new Option(
    "--platform <list>",
    "one platform (linux/arm64): its image alone, the target names the image; a comma-separated list: an index rewritten to list those",
  );
  // commander stores an option under attributeName(); this one is a list with another meaning, kept apart.
  option.attributeName = () => "platforms";
  // An empty item (`linux/arm64,`, `""`) is a typo, not "fewer platforms": `linux/arm64,` meant a list and silently
  // became one platform's image alone.
  return option.argParser((value: string) => {
    if (value.split(",").some((item) => !item.trim())) {
      throw new UsageError(`${EMPTY_PLATFORM} (in ${quoteText(value)}; a list is os/arch,os/arch)`);
    }
    return value;
  });
}

/** Reads all of stdin (for --password-stdin), trimming the trailing newline `echo` adds. */
function readStdin(): string {
  return readFileSync(0, "utf8").replace(/\r?\n$/, "");
}

/**
 * A file a flag names, read whole. A missing or unreadable one, or a FIFO, a directory or a device at the name, is bad
 * input (exit 2) in one line naming the flag and the file, not Node's bare `ENOENT: …` (exit 1) nor a wait for ever.
 */
function readFlagFile(flag: string, path: string): Buffer {
  return readUserFileSync(path, { name: flag, maxBytes: MAX_PEM_FILE_BYTES });
}

/** Milliseconds in each unit of a Go duration (`time.ParseDuration`), as skopeo's and regctl's flags take them. */
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A timeout flag's value in milliseconds: a number of seconds (`30`, `0.5`, as curl's `--max-time`), or a Go
 * duration (`30s`, `1m30s`, `500ms`, as skopeo's `--command-timeout` and regctl take), so a value copied from either
 * works. Anything else is `undefined`. Go's grammar: https://pkg.go.dev/time#ParseDuration (no sign here: a timeout
 * is positive).
 */
export function durationMs(value: string): number | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text) * 1000;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let ms = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (!match) return undefined;
    ms += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
    at = part.lastIndex;
  }
  return ms;
}

/** `--timeout` in milliseconds (0: none), or undefined when not given; refused as every timeout flag is. */
export function requestTimeoutMs(flags: GlobalFlags): number | undefined {
  return seconds("--timeout", flags.timeout, "request").request;
}

/**
 * A timeout flag (seconds or a Go duration) as `{ [key]: milliseconds }`, or nothing when the flag is absent. Only
 * the request deadline may be 0, meaning none (the library's `timeouts.request: 0`; skopeo's `--command-timeout 0`):
 * connecting and silence always have a bound, or a dead registry would hang a script for good.
 */
function seconds(flag: string, value: string | undefined, key: string): Record<string, number> {
  if (value === undefined) return {};
  const exact = durationMs(value);
  if (key === "request" && exact === 0) return { request: 0 };
  if (exact === undefined || !Number.isFinite(exact) || exact <= 0)
    throw new UsageError(
      `${flag} takes a positive number of seconds or a duration such as 30s or 1m30s${key === "request" ? " (0 for none)" : ""}, not "${value}"`,
    );
  const ms = Math.round(exact);
  if (ms < 1) throw new UsageError(`${flag} takes at least 1 ms, not "${value}"`);
  // The library's limit (@regatta/errors' timer-limit.ts, which the transport holds `timeouts` to), in seconds.
  if (ms > MAX_TIMEOUT_MS) {
    throw new UsageError(
      `${flag} takes at most ${Math.floor(MAX_TIMEOUT_MS / 1000)} seconds (about 24.8 days), not "${value}"`,
    );
  }
  return { [key]: ms };
}

/**
 * Turns the global flags into client options. `log` receives the verbose HTTP log; `registry` is the registry the
 * command names (default Docker Hub), which `--cert-file`/`--key-file` are for.
 */
/** REGATTA_PASSWORD when it is this run's password: given -u, and neither -p nor --password-stdin. */
export function passwordFromEnvironment(flags: GlobalFlags): string | undefined {
  if (flags.username === undefined || flags.password !== undefined || flags.passwordStdin) return undefined;
  return process.env.REGATTA_PASSWORD;
}

export function connectOptions(
  flags: GlobalFlags,
  log: (line: string) => void,
  registry: string = DEFAULT_REGISTRY,
): ConnectOptions {
  const options: ConnectOptions = {};
  if (flags.username !== undefined) options.username = flags.username;
  if (flags.passwordStdin) {
    if (flags.password !== undefined) throw new UsageError("--password and --password-stdin are exclusive");
    options.password = readStdin();
  } else if (flags.password !== undefined) {
    options.password = flags.password;
  } else {
    const fromEnvironment = passwordFromEnvironment(flags);
    if (fromEnvironment !== undefined) options.password = fromEnvironment;
  }
  if (options.password !== undefined && options.username === undefined) {
    throw new UsageError("a password needs a username (-u USER)");
  }
  if (flags.anonymous) options.anonymous = true;
  // As skopeo's and podman's --authfile on every command: the file REGISTRY_AUTH_FILE would name.
  if (flags.authfile !== undefined)
    options.env = { ...process.env, REGISTRY_AUTH_FILE: resolve(flags.authfile) };
  if (flags.insecure) options.insecure = true;
  if (flags.caFile) {
    options.ca = readFlagFile("--ca-file", flags.caFile);
    // A file that holds no certificate is refused by the transport, which names it so: as an unreadable one is.
    options.caName = `--ca-file ${quotePath(flags.caFile)}`;
  }
  if (flags.tlsSkipVerify) options.tlsSkipVerify = true;
  if ((flags.certFile === undefined) !== (flags.keyFile === undefined)) {
    throw new UsageError("--cert-file and --key-file go together");
  }
  if (flags.certFile !== undefined && flags.keyFile !== undefined) {
    const host = parseRegistry(registry).registry;
    options.hosts = {
      [host]: {
        clientCert: readFlagFile("--cert-file", flags.certFile),
        clientKey: readFlagFile("--key-file", flags.keyFile),
      },
    };
  }
  if (flags.proxy) options.proxy = flags.proxy;
  const timeouts = {
    ...seconds("--connect-timeout", flags.connectTimeout, "connect"),
    ...seconds("--idle-timeout", flags.idleTimeout, "idle"),
    ...seconds("--timeout", flags.timeout, "request"),
  };
  if (Object.keys(timeouts).length) options.timeouts = timeouts;
  if (flags.verbose) options.logger = log;
  return options;
}
