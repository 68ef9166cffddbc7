import { readFileSync } from "node:fs";
import type { ConnectOptions, CopyOptions, CopyResult, RegistryClient } from "@regatta/client";
import { AbortError, quotePath, UsageError } from "@regatta/errors";
import { readUserFileSync } from "@regatta/errors/user-file";
import type { Command } from "commander";
import type { CredentialSide } from "../access-hint.js";
import { type BatchFailure, batchError, reportFailure } from "../batch.js";
import { type CliContext, GLOBAL_CREDENTIAL_FLAGS } from "../cli-context.js";
import { type CopyPair, copyEnds, type HintFlags, parseCopyList } from "../copy-list.js";
import { type GlobalFlags, platformsFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { countNoun, humanSize, writeJson, writeStderr, writeStdout } from "../output.js";
import { defaultsLine, JOBS_HELP, jobsOf } from "../transfer-defaults.js";
import { withTransferProgress } from "../transfer-progress.js";
import { whyUnreadable } from "../unreadable.js";

/** `regatta copy SOURCE TARGET` (alias `cp`), or `copy --from-file LIST`: images or indexes copied between repositories or registries. */
export function registerCopy(program: Command, cli: CliContext): void {
  sideCredentialFlags(
    program
      .command("copy")
      .alias("cp")
      .description("copy an image or index to another repository or registry; blobs stream straight across")
      .argument("[source]", "e.g. alpine:3.20 or localhost:5000/team/api:1.0")
      .argument(
        "[target]",
        "e.g. localhost:5001/team/api (the source's tag is kept; latest for a source by digest only), …/api:2.0, or …/api@DIGEST (by digest, untagged)",
      )
      .option("--from-file <file>", "copy every SOURCE TARGET line of file (- for stdin), in one process")
      .option(
        "--keep-going",
        "with --from-file: after a failed copy, go on with the next line (default: stop)",
      )
      .option("--all-platforms", "copy an index with every platform (the default)")
      .addOption(platformsFlag())
      .option("-j, --jobs <n>", JOBS_HELP)
      .option(
        "--referrers",
        "also copy the image's referrers (signatures, SBOMs, attestations, theirs, cosign's tags) after it",
      )
      .option("--force", "send blobs and manifests even when the target has them")
      .option("--no-verify", "leave blob digests to the target registry to check (one hash fewer per byte)"),
  )
    .addHelpText(
      "after",
      `
Platforms: without --platform an index is copied whole, every platform. --platform linux/arm64 (one platform)
copies that platform's image manifest alone, so the target names an image, not an index, as crane, skopeo and
regctl do (attestations, which an index lists, stay behind). A list, --platform linux/amd64,linux/arm64, keeps an
index rewritten to list only those platforms and their attestations. A line on stderr says what was taken and how
many blobs move at once (--json: the fields platforms, platform and jobs).

--from-file copies every line "SOURCE TARGET" of a file (# starts a comment; blank lines are skipped) with one client,
so connections and tokens are shared: each copy prints "DIGEST  TARGET" on stdout, then a summary on stderr. The
whole file is read and checked first. A failed copy stops the run unless --keep-going, which goes on and fails at
the end (exit status 1, or the failures' own when they agree, e.g. 3 when all were not found); --json prints one
document with every copy's result or error.

--referrers copies what refers to the image after it (OCI 1.1 referrers, or the sha256-<hex> tag that stands for
them, and cosign's .sig/.att/.sbom tags), as regctl image copy --referrers and oras cp -r do; they name the source's
digest, so it excludes --platform. Where the target has no referrers API, its fallback tag index is updated.

Progress is drawn on a terminal; --json prints a summary (digests, bytes moved, blobs skipped and mounted).

Examples:
  regatta copy localhost:5000/team/api:1.0 localhost:5001/team/api
  regatta copy alpine:3.20 localhost:5000/mirror/alpine --platform linux/amd64,linux/arm64
  regatta copy alpine:3.20 localhost:5000/mirror/alpine-arm64:3.20 --platform linux/arm64   # the image alone
  regatta copy localhost:5000/team/api:1.0 localhost:5001/team/api --referrers   # with its signatures and SBOMs
  printf 'localhost:5000/team/api:1.0 localhost:5001/team/api\\n' | regatta copy --from-file - --keep-going
  regatta copy ghcr.io/org/app:1 registry.example/app:1 --src-username me -u ci --password-stdin   # source password in REGATTA_SRC_PASSWORD`,
    )
    .action(async (source: string | undefined, target: string | undefined, opts: CopyFlags, cmd: Command) => {
      const flags = cli.flags(cmd);
      if (opts.fromFile === "-" && flags.passwordStdin) {
        throw new UsageError("--from-file - and --password-stdin both read stdin: give the list as a file");
      }
      const pairs = copyPairs(source, target, opts, {
        ...(opts.platforms !== undefined ? { platforms: opts.platforms } : {}),
        sourceCredentials: opts.srcUsername !== undefined,
        targetCredentials: opts.destUsername !== undefined || flags.username !== undefined,
      });
      refuseSpreadCredentials(
        { sources: pairs.map((p) => p.source.registry), targets: pairs.map((p) => p.target.registry) },
        opts,
        flags,
      );
      const options = copyOptions(opts);
      const extra = mergeCredentials(
        pairs.map((p) => copyCredentials(opts, p.source.registry, p.target.registry)),
      );
      cli.credentialSides(pairs.flatMap((p) => copySides(opts, flags, p.source, p.target)));
      await cli.withClient(
        cmd,
        pairs[0]!.target.registry,
        async (reg) => {
          cli.info(
            defaultsLine("copy", describePlatforms(options), options.concurrency, opts.jobs !== undefined),
          );
          if (opts.fromFile === undefined) {
            const pair = pairs[0]!;
            const { result, seconds } = await copyOne(reg, pair, options, flags);
            if (flags.json) {
              await writeJson(copySummary(result, seconds, options));
              return;
            }
            cli.info(describeCopy(pair, result, seconds));
            await writeStdout(`${result.digest}\n`);
            return;
          }
          await copyList(cli, reg, pairs, options, flags, {
            keepGoing: Boolean(opts.keepGoing),
            file: opts.fromFile,
          });
        },
        extra,
      );
    });
}

interface CopyFlags {
  fromFile?: string;
  keepGoing?: boolean;
  allPlatforms?: boolean;
  /** `--platform`: one platform, or the platforms to keep, comma-separated (see platformsFlag). */
  platforms?: string;
  /** commander's `--no-verify`: false when given. */
  verify?: boolean;
  jobs?: string;
  force?: boolean;
  referrers?: boolean;
  srcUsername?: string;
  srcPassword?: string;
  destUsername?: string;
  destPassword?: string;
}

/** What every copy of this run is asked, the defaults filled in so that the run can say which it used. */
type RunOptions = CopyOptions & { concurrency: number };

/** Far more than any list of copies (a line is two references); a larger file is refused, not read into memory. */
const MAX_LIST_BYTES = 64 * 1024 * 1024;

/**
 * The pairs to copy: the two arguments, or the lines of `--from-file` (not both). `hint` is what a refusal's suggested
 * command carries of the run's flags (see HintFlags).
 */
export function copyPairs(
  source: string | undefined,
  target: string | undefined,
  opts: CopyFlags,
  hint: HintFlags = {},
): CopyPair[] {
  if (opts.fromFile !== undefined) {
    if (source !== undefined) throw new UsageError("give SOURCE TARGET or --from-file, not both");
    const name = opts.fromFile === "-" ? "stdin" : opts.fromFile;
    let text: string;
    try {
      text =
        opts.fromFile === "-"
          ? readFileSync(0, "utf8")
          : readUserFileSync(opts.fromFile, { name: "--from-file", maxBytes: MAX_LIST_BYTES }).toString(
              "utf8",
            );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--from-file ${quotePath(name)}: cannot read it (${whyUnreadable(error)})`, {
        cause: error,
      });
    }
    return parseCopyList(text, name, hint);
  }
  if (opts.keepGoing) throw new UsageError("--keep-going goes with --from-file");
  if (source === undefined || target === undefined) {
    throw new UsageError("copy needs SOURCE and TARGET (or --from-file FILE)");
  }
  return [{ line: 0, ...copyEnds(source, target, hint) }];
}

/**
 * The client's copy options from the flags: no --platform, every platform; one platform, that image alone
 * (`platform`); a list, an index of those (`platforms`).
 */
export function copyOptions(opts: CopyFlags): RunOptions {
  if (opts.allPlatforms && opts.platforms) {
    throw new UsageError("--all-platforms and --platform exclude each other");
  }
  const list = (opts.platforms ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (opts.platforms !== undefined && !list.length) throw new UsageError("--platform names no platform");
  // Before the line that says what the run takes: the client refuses the pair too, but only once it runs.
  if (opts.referrers && list.length && !(list.length === 1 && list[0] === "all")) {
    throw new UsageError(
      "--referrers name the source's digest: copy the image unchanged (no --platform) to carry them",
    );
  }
  // crane's `--platform all`: every platform, as --all-platforms (or no --platform) says.
  if (list.length === 1 && list[0] === "all") list.length = 0;
  return {
    ...(list.length === 1
      ? { platform: list[0]! }
      : list.length > 1
        ? { platforms: list }
        : { platforms: "all" }),
    concurrency: jobsOf(opts.jobs),
    ...(opts.force ? { force: true } : {}),
    ...(opts.verify === false ? { verify: false } : {}),
    ...(opts.referrers ? { referrers: true } : {}),
  };
}

/** What the run takes, for its line on stderr. */
function describePlatforms(options: RunOptions): string {
  if (options.platform !== undefined) return `platform ${options.platform} (that image alone)`;
  if (options.platforms === "all" || options.platforms === undefined) return "every platform of an index";
  return `platforms ${options.platforms.join(", ")} (an index of those)`;
}

async function copyOne(
  reg: RegistryClient,
  pair: CopyPair,
  options: RunOptions,
  flags: GlobalFlags,
): Promise<{ result: CopyResult; seconds: number }> {
  const started = Date.now();
  const { source, target } = pair;
  const choosing = options.platform !== undefined || Array.isArray(options.platforms);
  if (
    choosing &&
    source.registry === target.registry &&
    source.repository === target.repository &&
    (target.tag ?? source.tag) === source.tag &&
    target.digest === undefined
  ) {
    // Legal (a mirror trimmed in place), but the tag then names fewer platforms than before, for everyone.
    writeStderr(
      `warning: the target is the source: ${source.withoutDigest().familiar()} will name only what --platform keeps\n`,
    );
  }
  const result = await withTransferProgress(flags, (onProgress) =>
    reg.copy(pair.source, pair.target, { ...options, ...interruptSignal("uploads"), onProgress }),
  );
  const note = platformNote(pair, options, result);
  if (note) writeStderr(`note: ${note}\n`);
  return { result, seconds: (Date.now() - started) / 1000 };
}

/**
 * `--platform` given for a source that is a single image, not an index: there was nothing to choose, and the image
 * was copied as it is (the client refused it when its config names another platform). Said on stderr (even with
 * --json), with the image's own platform, rather than silently ignored (issue 12).
 */
export function platformNote(pair: CopyPair, options: RunOptions, result: CopyResult): string | undefined {
  const asked =
    options.platform ?? (Array.isArray(options.platforms) ? options.platforms.join(",") : undefined);
  if (asked === undefined || result.index !== undefined || /index|manifest\.list/.test(result.mediaType)) {
    return undefined;
  }
  const own = result.platform !== undefined ? ` for ${result.platform}` : "";
  return `--platform ${asked} ignored: ${pair.source.familiar()} is a single image${own}, not an index; copied as it is`;
}

/** The --json document of one copy. */
function copySummary(result: CopyResult, seconds: number, options: RunOptions) {
  const count = (outcome: string) => result.blobs.filter((b) => b.outcome === outcome).length;
  return {
    source: result.source,
    target: result.target,
    digest: result.digest,
    sourceDigest: result.sourceDigest,
    mediaType: result.mediaType,
    ...(result.index ? { index: result.index } : {}),
    ...(result.platform !== undefined ? { platform: result.platform } : {}),
    platforms: options.platform !== undefined ? [options.platform] : (options.platforms ?? "all"),
    jobs: options.concurrency,
    rewritten: result.rewritten,
    upToDate: result.upToDate,
    manifests: result.manifests,
    blobs: {
      total: result.blobs.length,
      uploaded: count("uploaded"),
      mounted: count("mounted"),
      skipped: count("skipped"),
      foreign: count("foreign"),
      list: result.blobs,
    },
    bytesUploaded: result.bytesUploaded,
    ...(result.referrers
      ? {
          referrers: {
            targetApi: result.referrers.targetApi,
            copied: result.referrers.copied.length,
            ofChildren: result.referrers.ofChildren,
            list: result.referrers.copied,
          },
        }
      : {}),
    seconds,
  };
}

/** The line for people after one copy. */
function describeCopy(pair: CopyPair, result: CopyResult, seconds: number): string {
  const referrers = result.referrers
    ? `; ${countNoun(result.referrers.copied.length, "referrer")} copied${referrersOfChildren(result.referrers.ofChildren)}${result.referrers.targetApi ? "" : " (the target's fallback tags updated)"}`
    : "";
  return describeImage(pair, result, seconds) + referrers;
}

/** How many of the referrers copied were the index's platform manifests' (nothing when none). */
function referrersOfChildren(n: number): string {
  return n > 0 ? ` (${n} of the index's platform manifests)` : "";
}

function describeImage(pair: CopyPair, result: CopyResult, seconds: number): string {
  if (result.upToDate) return `${result.target} is up to date (${result.digest})`;
  const count = (outcome: string) => result.blobs.filter((b) => b.outcome === outcome).length;
  const chosen =
    result.platform !== undefined && result.index !== undefined
      ? ` (${result.platform} of index ${result.index?.digest})`
      : "";
  const rewritten = result.rewritten ? "; index rewritten for the platforms chosen" : "";
  return `copied ${pair.source.familiar()}${chosen} to ${result.target}: ${countNoun(result.blobs.length, "blob")} (${count("uploaded")} uploaded, ${count("mounted")} mounted, ${count("skipped")} skipped), ${humanSize(result.bytesUploaded)} in ${seconds.toFixed(1)} s${rewritten}`;
}

/** `--from-file`: each pair in turn with the one client; failures reported as they come, the run failed at the end. */
async function copyList(
  cli: CliContext,
  reg: RegistryClient,
  pairs: CopyPair[],
  options: RunOptions,
  flags: GlobalFlags,
  run: { keepGoing: boolean; file: string },
): Promise<void> {
  // Two lines writing one target: the later wins, which is rarely what the list meant. Said, not refused.
  const byTarget = new Map<string, number[]>();
  for (const pair of pairs) {
    // Where the copy lands: a target without tag or digest takes the source's tag, or latest for a source named by
    // digest only (copyTarget in the client).
    const { target, source } = pair;
    const lands =
      target.tag !== undefined || target.digest !== undefined
        ? target.toString()
        : target.withTag(source.tag ?? "latest").toString();
    byTarget.set(lands, [...(byTarget.get(lands) ?? []), pair.line]);
  }
  for (const [target, lines] of byTarget) {
    if (lines.length > 1)
      cli.info(`warning: lines ${lines.join(", ")} all copy to ${target}: the last one wins`);
  }
  const failures: BatchFailure[] = [];
  const results: object[] = [];
  let copied = 0;
  let upToDate = 0;
  let bytes = 0;
  const started = Date.now();
  for (const pair of pairs) {
    const what = `${run.file === "-" ? "stdin" : quotePath(run.file)}:${pair.line} ${pair.source} → ${pair.target}`;
    try {
      const { result, seconds } = await copyOne(reg, pair, options, flags);
      if (result.upToDate) upToDate++;
      else copied++;
      bytes += result.bytesUploaded;
      if (flags.json) results.push({ line: pair.line, ...copySummary(result, seconds, options) });
      else {
        cli.info(describeCopy(pair, result, seconds));
        await writeStdout(`${result.digest}  ${tagged(result.target)}\n`);
      }
    } catch (error) {
      // Ctrl-C stops the run, whatever --keep-going says.
      if (error instanceof AbortError) throw error;
      const failure = { what, error };
      failures.push(failure);
      if (flags.json) {
        results.push({
          line: pair.line,
          source: pair.source.toString(),
          target: pair.target.toString(),
          error: {
            message: error instanceof Error ? error.message : String(error),
            code: (error as { code?: string }).code,
          },
        });
      } else reportFailure(failure, Boolean(flags.verbose), cli.sides);
      if (!run.keepGoing) break;
    }
  }
  const skipped = pairs.length - copied - upToDate - failures.length;
  const seconds = (Date.now() - started) / 1000;
  if (flags.json) {
    await writeJson({
      copies: results,
      summary: {
        total: pairs.length,
        copied,
        upToDate,
        failed: failures.length,
        notRun: skipped,
        bytesUploaded: bytes,
        seconds,
      },
    });
  } else {
    const notRun = skipped ? `, ${skipped} not run (no --keep-going)` : "";
    cli.info(
      `${pairs.length} ${pairs.length === 1 ? "copy" : "copies"}: ${copied} copied, ${upToDate} up to date, ${failures.length} failed${notRun}; ${humanSize(bytes)} in ${seconds.toFixed(1)} s`,
    );
  }
  if (failures.length) throw batchError(failures, pairs.length, "copies");
}

/** A target as people name it: `repo:tag` rather than the `repo:tag@digest` a push answers (the digest is beside it). */
export function tagged(target: string): string {
  const at = target.lastIndexOf("@");
  return at > 0 && /:[^/]+$/.test(target.slice(0, at)) ? target.slice(0, at) : target;
}

/** Per-registry credentials of a copy: `--src-*` for the source, `--dest-*` (or -u/-p) for the target. */
/**
 * The flags that give each side of a transfer its own credentials (copy, sync): `--src-*` for the source,
 * `--dest-*` (default -u/-p) for the target; read by {@link copyCredentials}.
 */
export function sideCredentialFlags(command: Command): Command {
  return command
    .option("--src-username <user>", "username for the source registry")
    .option("--src-password <password>", "password for the source registry (or REGATTA_SRC_PASSWORD)")
    .option("--dest-username <user>", "username for the target registry (default -u)")
    .option("--dest-password <password>", "password for the target registry (or REGATTA_DEST_PASSWORD)");
}

export function copyCredentials(opts: CopyFlags, source: string, target: string): ConnectOptions {
  const pair = (user: string | undefined, password: string | undefined, env: string, flag: string) => {
    if (user === undefined) {
      if (password !== undefined) throw new UsageError(`--${flag}-password needs --${flag}-username`);
      return undefined;
    }
    const secret = password ?? process.env[env];
    if (secret === undefined) throw new UsageError(`--${flag}-username needs --${flag}-password (or ${env})`);
    return { username: user, password: secret };
  };
  const src = pair(opts.srcUsername, opts.srcPassword, "REGATTA_SRC_PASSWORD", "src");
  const dst = pair(opts.destUsername, opts.destPassword, "REGATTA_DEST_PASSWORD", "dest");
  if (src && dst && source === target && (src.username !== dst.username || src.password !== dst.password)) {
    throw new UsageError(`source and target are both on ${source}: give one set of credentials`);
  }
  const hosts = { ...(src ? { [source]: src } : {}), ...(dst ? { [target]: dst } : {}) };
  return Object.keys(hosts).length ? { hosts } : {};
}

/**
 * Credentials given on the command line are one registry's, and not given with --anonymous: a `--from-file` list whose sources (or targets) are on
 * several registries would send that one password to each of them, in clear with Basic (a file mixing a public
 * source with a private one would hand the private password to the public registry). Refused; each registry's own
 * stored login (regatta login, the docker config) serves it instead.
 */
export function refuseSpreadCredentials(
  ends: { sources: readonly string[]; targets: readonly string[] },
  opts: CopyFlags,
  flags: GlobalFlags,
): void {
  const sides = [
    {
      given: opts.srcUsername !== undefined,
      flags: "--src-username/--src-password",
      registries: new Set(ends.sources),
      what: "sources",
    },
    {
      given: opts.destUsername !== undefined || flags.username !== undefined,
      flags: `--dest-username/--dest-password (or ${GLOBAL_CREDENTIAL_FLAGS})`,
      registries: new Set(ends.targets),
      what: "targets",
    },
  ];
  // As for -u/-p: credentials and --anonymous together are a contradiction, not a silent drop of the credentials.
  if (flags.anonymous && (opts.srcUsername !== undefined || opts.destUsername !== undefined)) {
    throw new UsageError("anonymous access and credentials (--src-*/--dest-*) were both given; choose one");
  }
  for (const side of sides) {
    if (side.given && side.registries.size > 1) {
      throw new UsageError(
        `${side.flags} would go to every registry the ${side.what} are on (${[...side.registries].join(", ")}): credentials on the command line are one registry's`,
        {
          hint: "log in to each registry (regatta login HOST) and leave the flags out, or split the list by registry",
        },
      );
    }
  }
}

/**
 * The credentials of every pair of a `--from-file` run, as one set of hosts: a registry that is a source on one line
 * and a target on another with different credentials cannot be served by one client.
 */
export function mergeCredentials(each: ConnectOptions[]): ConnectOptions {
  const hosts: Record<string, { username: string; password: string }> = {};
  for (const options of each) {
    for (const [host, given] of Object.entries(options.hosts ?? {})) {
      const credentials = given as { username: string; password: string };
      const known = hosts[host];
      if (known && (known.username !== credentials.username || known.password !== credentials.password)) {
        throw new UsageError(
          `${host} is a source and a target with different credentials: give one set of credentials`,
        );
      }
      hosts[host] = credentials;
    }
  }
  return Object.keys(hosts).length ? { hosts } : {};
}

/** Which flags give credentials to each side of a copy, for the hint of a refused request (issue 10, item 16). */
export function copySides(
  opts: CopyFlags,
  flags: GlobalFlags,
  src: { registry: string; repository: string },
  dst: { registry: string; repository: string },
): CredentialSide[] {
  return [
    {
      registry: src.registry,
      repository: src.repository,
      flags: "--src-username/--src-password",
      given: opts.srcUsername !== undefined,
    },
    {
      registry: dst.registry,
      repository: dst.repository,
      flags: `--dest-username/--dest-password or ${GLOBAL_CREDENTIAL_FLAGS}`,
      given: opts.destUsername !== undefined || flags.username !== undefined,
    },
  ];
}
