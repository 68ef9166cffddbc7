import type {
  ConnectOptions,
  PlannedImage,
  PlannedRepository,
  Shard,
  SyncedImage,
  SyncJob,
  SyncOptions,
  SyncPlan,
  SyncResult,
  TagFilter,
} from "@regatta/client";
import { AbortError, quotePath, UsageError } from "@regatta/errors";
import { readUserFile } from "@regatta/errors/user-file";
import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import { partsFailedError } from "../batch.js";
import { type CliContext, GLOBAL_CREDENTIAL_FLAGS } from "../cli-context.js";
import { transportRefusal } from "../copy-list.js";
import { positiveInt } from "../flag-values.js";
import { platformsFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { countNoun, writeJson, writeStderr, writeStdout } from "../output.js";
import { parseSyncConfig, type SyncConfig } from "../sync-config.js";
import { imageLine, planText, summaryJson, summaryLine } from "../sync-report.js";
import { collect, excludeOption, includeOption, patternNote } from "../tag-pattern-flags.js";
import { whyUnreadable } from "../unreadable.js";
import { copyCredentials, copySides, refuseSpreadCredentials, sideCredentialFlags } from "./copy.js";

/**
 * `regatta sync SOURCE TARGET` / `regatta sync --config FILE [DESTINATION]`: repositories mirrored with all or some
 * of their tags, between registries or to and from OCI layouts (docs/sync.md).
 */
export function registerSync(program: Command, cli: CliContext): void {
  sideCredentialFlags(
    program
      .command("sync")
      .description(
        "mirror repositories (all tags, or filtered) between registries and OCI layouts, as skopeo sync",
      )
      .argument(
        "[source]",
        "a repository (registry/repo; registry/repo:tag for one tag, registry/repo@sha256:… for one image) or oci:DIR[:tag]",
      )
      .argument(
        "[target]",
        "a repository or oci:DIR; with --config in skopeo's format, the destination prefix",
      )
      .option(
        "--config <file>",
        "a YAML file of repositories: skopeo sync's source format, or regsync's sync: list",
      )
      .option(
        "--scoped",
        "skopeo format: put each image under DESTINATION/<registry>/<path>, not DESTINATION/<name>",
      )
      .option("--tag <tags>", "only these tags (comma-separated; repeatable)", collect, [])
      .addOption(includeOption())
      .addOption(excludeOption())
      .option("--semver <range>", "only tags that are versions in this range, e.g. '>=3.19 <4' (npm semver)")
      .option("--all-tags", "every tag (the default without --tag, --include or --semver)")
      .addOption(platformsFlag())
      .option(
        "--referrers",
        "also copy each image's referrers (signatures, SBOMs, theirs in turn, cosign's tags); up-to-date images get missing ones",
      )
      .option(
        "--dry-run",
        "print the plan (images and blobs to copy, skip, mount; quota GETs) and change nothing",
      )
      .option(
        "--keep-going",
        "record a failed image and carry on with the others (the exit status still says it failed)",
      )
      .option(
        "--shard <K/N>",
        "only worker K's share of the repositories, K from 0 (default: JOB_COMPLETION_INDEX/JOB_COMPLETIONS)",
      )
      .option("-j, --jobs <n>", "images copied at once (default 4)")
      .option("--blob-jobs <n>", "blobs copied at once within an image (default 4)")
      .option("--rate-limit <mode>", "when a source's pull quota runs low: stop (default) or wait for it")
      .option("--rate-limit-reserve <n>", "manifest GETs of the pull quota to leave unused (default 0)")
      .option("--no-verify", "leave blob digests to the target registry to check (one hash fewer per byte)"),
  )
    .addHelpText(
      "after",
      `
Tags whose target already names the source's digest are skipped (a HEAD at each end, never a GET); blobs two tags
share are sent once. Killed and run again, a sync does only what is left. --config takes skopeo sync's YAML
(registry: images / images-by-tag-regex / images-by-semver, credentials, tls-verify; the target is DESTINATION)
or a regsync-like file (sync: [{source, target, type, tags: {allow, deny, semverRange}}], creds). --platform with
one platform copies that platform's image alone, the tag naming the image (as copy --platform, skopeo and regsync's
platform); with two or more, an index rewritten to list them (so does a config's platforms). In a Kubernetes
Indexed Job each pod takes its shard from JOB_COMPLETION_INDEX and JOB_COMPLETIONS. See docs/sync.md.

Examples:
  regatta sync alpine localhost:5001/mirror/alpine
  regatta sync alpine localhost:5001/mirror/alpine --semver '>=3.19' --dry-run
  regatta sync localhost:5000/team/api localhost:5001/mirror/api --referrers --dry-run
  regatta sync localhost:5000/team/api oci:api-layout --tag 1.0 --json
  regatta sync alpine localhost:5001/mirror/alpine --platform linux/arm64`,
    )
    .action(async (source: string | undefined, target: string | undefined, opts: SyncFlags, cmd: Command) => {
      const flags = cli.flags(cmd);
      const options = syncOptions(opts);
      const { jobs, hosts, insecure, registry, format } = await jobsOf(source, target, opts);
      const extra: ConnectOptions = {
        ...(Object.keys(hosts).length ? { hosts } : {}),
        // skopeo's tls-verify: false; --insecure (every registry) covers these already.
        ...(insecure && !flags.insecure ? { insecure } : {}),
      };
      // --src-* for every source registry, --dest-* (or -u/-p) for every target registry; a layout end takes none.
      const ends = jobs.map((job) => ({
        src: job.source.startsWith("oci:") ? undefined : parseReference(job.source, { defaultTag: false }),
        dst: job.target.startsWith("oci:") ? undefined : parseReference(job.target, { defaultTag: false }),
      }));
      if (!ends.some((e) => e.src) && (opts.srcUsername !== undefined || opts.srcPassword !== undefined)) {
        throw new UsageError(
          "--src-username/--src-password: the source is a layout, which takes no credentials",
        );
      }
      if (!ends.some((e) => e.dst) && (opts.destUsername !== undefined || opts.destPassword !== undefined)) {
        throw new UsageError(
          "--dest-username/--dest-password: the target is a layout, which takes no credentials",
        );
      }
      // Command-line credentials are one registry's: a config whose sources (or targets) span several is refused.
      refuseSpreadCredentials(
        {
          sources: ends.flatMap((e) => (e.src ? [e.src.registry] : [])),
          targets: ends.flatMap((e) => (e.dst ? [e.dst.registry] : [])),
        },
        opts,
        flags,
      );
      for (const { src, dst } of ends) {
        const creds = copyCredentials(opts, src?.registry ?? "", dst?.registry ?? "");
        const { "": _layout, ...registries } = creds.hosts ?? {};
        extra.hosts = { ...extra.hosts, ...registries };
      }
      const first = ends[0];
      // A config's own credentials (skopeo's credentials:, regsync's creds:) are named as the config's in a refusal's
      // hint, not as "stored credentials" (the docker config's): its registries take that side, whatever the flags.
      const configSides =
        opts.config === undefined
          ? []
          : Object.entries(hosts)
              .filter(([, settings]) => settings.username !== undefined)
              .map(([host]) => ({
                registry: host,
                flags: GLOBAL_CREDENTIAL_FLAGS,
                given: true,
                givenAs: `in ${quotePath(opts.config as string)}`,
              }));
      const fromConfig = new Set(configSides.map((side) => side.registry));
      const flagSides =
        ends.length === 1 && first?.src && first.dst ? copySides(opts, flags, first.src, first.dst) : [];
      const sides = [...configSides, ...flagSides.filter((side) => !fromConfig.has(side.registry))];
      if (sides.length) cli.credentialSides(sides);
      await cli.withClient(
        cmd,
        registry,
        async (reg) => {
          const { parseShard, syncFailure, targetCollisions } = await import("@regatta/client");
          const shard = shardOf(opts.shard, parseShard);
          const all: SyncOptions = {
            ...options,
            ...(shard ? { shard } : {}),
            // Uploads to clean up when some job writes to a registry (a layout target has none).
            ...interruptSignal(ends.some((end) => end.dst) ? "uploads" : undefined),
          };
          let plan: SyncPlan;
          try {
            // A dry run only reads the destination: it asks `pull` there, a run `pull,push` (SyncOptions.dryRun).
            plan = await reg.planSync(jobs, opts.dryRun ? { ...all, dryRun: true } : all);
          } catch (error) {
            // The plan stopped (a failure without --keep-going, an interrupt): nothing was copied, and --json says so.
            if (flags.json && !(error instanceof UsageError))
              await writeJson(stoppedJson(undefined, [], error));
            throw error;
          }
          // What the plan left out of a layout source (no ref.name, a ref.name that is no tag): said, not fatal.
          for (const warning of plan.repositories.flatMap((r) => r.warnings ?? []))
            cli.info(`warning: ${warning}`);
          // An --include that kept no tag of any repository: said as tags says it (whole-tag patterns, not grep's).
          if (opts.include?.length && plan.totals.images.total === 0 && !plan.totals.images.failed)
            writeStderr(patternNote("--include", opts.include));
          for (const { target, sources } of targetCollisions(plan)) {
            cli.info(
              `warning: ${target} is written by ${sources.join(" and ")}: the last one copied wins, on every run${format === "skopeo" && !opts.scoped ? " (--scoped keeps each source's whole path)" : ""}`,
            );
          }
          if (opts.dryRun) {
            await (flags.json ? writeJson(plan) : writeStdout(planText(plan) + referrersPlanLine(plan)));
            // A pre-flight check: what the plan already failed (kept with --keep-going) fails the dry run as it
            // will fail the run, with the same exit status.
            const failures = planFailures(plan, syncFailure);
            if (failures.length) {
              throw partsFailedError(
                `dry run: ${failures.length} of ${countNoun(plan.totals.images.total, "image")} would fail (listed above)`,
                failures,
                "SYNC_INCOMPLETE",
              );
            }
            return;
          }
          // Each image as it is done: a line for people on stderr (with --json too for a failure, which the end
          // says is "listed above"), and kept for the partial --json document when the run stops early.
          const done: SyncedImage[] = [];
          const onImage = (image: SyncedImage) => {
            done.push(image);
            if (flags.json && image.outcome === "failed") writeStderr(`${imageLine(image)}\n`);
            else cli.info(syncedLine(image));
          };
          let result: SyncResult;
          try {
            result = await reg.sync(plan, { ...all, onImage });
          } catch (error) {
            // Stopped (a failure without --keep-going, an interrupt): --json still tells a script what landed.
            const stopped = stoppedJson(plan, done, error);
            if (flags.json) await writeJson(stopped);
            else if (stopped.interrupted && !(error instanceof AbortError)) {
              const failed = done.filter((i) => i.outcome === "failed").map((i) => i.source);
              cli.info(
                `not done: ${countNoun(stopped.interrupted, "image")} to copy (${failed.length ? `stopped after ${failed.join(", ")} failed` : "stopped by the failure below"}; --keep-going carries on past a failed image)`,
              );
            }
            throw error;
          }
          await (flags.json
            ? writeJson({
                ...summaryJson(result),
                ...(result.referrers !== undefined ? { referrers: result.referrers } : {}),
              })
            : writeStdout(summaryLine(result) + referrersSummary(result)));
          if (result.failed > 0) {
            // The failures' own exit status when they agree (all not found: 3), as without --keep-going.
            throw partsFailedError(
              `${result.failed} of ${countNoun(result.images.length, "image")} failed (listed above)`,
              result.images.filter((i) => i.outcome === "failed").map((i) => syncFailure(i) ?? i.error),
              "SYNC_INCOMPLETE",
            );
          }
        },
        extra,
      );
    });
}

/**
 * The --json document of a run that stopped with `error`: the images done before the stop, as the summary lists
 * them, the plan's totals (what was asked; none when the plan itself stopped), and the error.
 */
function stoppedJson(plan: SyncPlan | undefined, done: readonly SyncedImage[], error: unknown) {
  const count = (outcome: SyncedImage["outcome"]) => done.filter((i) => i.outcome === outcome).length;
  // An interrupt (Ctrl-C, SIGTERM), or the stop after a failed image, fails no other image: the images to copy it
  // left undone (in flight, or not started) are counted apart, so `failed` agrees with what failed (and, before any
  // ran, with the plan's totals).
  const landed = new Set(done.map((i) => i.target));
  const interrupted = plan
    ? plan.repositories.flatMap((r) => r.images).filter((i) => i.action === "copy" && !landed.has(i.target))
        .length
    : undefined;
  return {
    error: {
      message: error instanceof Error ? error.message : String(error),
      ...((error as { code?: unknown }).code !== undefined
        ? { code: (error as { code: unknown }).code }
        : {}),
    },
    copied: count("copied"),
    skipped: count("skipped"),
    failed: count("failed"),
    ...(interrupted !== undefined ? { interrupted } : {}),
    ...(plan?.shard ? { shard: plan.shard } : {}),
    ...(plan ? { totals: plan.totals } : {}),
    images: done,
  };
}

/** The errors of what `plan` failed (kept with --keep-going): its images' and repositories', typed when known. */
function planFailures(
  plan: SyncPlan,
  failure: (item: PlannedImage | PlannedRepository) => unknown,
): unknown[] {
  return plan.repositories.flatMap((repo) => [
    ...repo.images.filter((i) => i.action === "failed").map((i) => failure(i) ?? i.error),
    ...(repo.error !== undefined ? [failure(repo) ?? repo.error] : []),
  ]);
}

/** The plan's referrers line (with --referrers): how many its images have, and how many the targets lack. */
function referrersPlanLine(plan: SyncPlan): string {
  const r = plan.totals.referrers;
  return r ? `referrers: ${r.copy} to copy of ${r.total} (every level, cosign's tags included)\n` : "";
}

/** An image's line; an up-to-date image that only got its missing referrers says so. */
function syncedLine(image: SyncedImage): string {
  const got = image.referrers ? ` with ${image.referrers} referrer${image.referrers === 1 ? "" : "s"}` : "";
  if (image.outcome === "skipped")
    return `referrers of ${image.source} -> ${image.target}: ${image.referrers} copied (the image was up to date)`;
  return `${imageLine(image)}${got}`;
}

function referrersSummary(result: SyncResult): string {
  return result.referrers !== undefined ? `referrers: ${result.referrers} copied\n` : "";
}

interface SyncFlags {
  config?: string;
  scoped?: boolean;
  tag: string[];
  include?: string[];
  exclude?: string[];
  semver?: string;
  allTags?: boolean;
  /** `--platform`: the platforms to keep, comma-separated (see platformsFlag). */
  platforms?: string;
  dryRun?: boolean;
  referrers?: boolean;
  keepGoing?: boolean;
  shard?: string;
  jobs?: string;
  blobJobs?: string;
  rateLimit?: string;
  rateLimitReserve?: string;
  verify?: boolean;
  srcUsername?: string;
  srcPassword?: string;
  destUsername?: string;
  destPassword?: string;
}

/** The flags that shape every job and the run. */
function syncOptions(opts: SyncFlags): SyncOptions {
  if (opts.rateLimit !== undefined && opts.rateLimit !== "stop" && opts.rateLimit !== "wait") {
    throw new UsageError(`--rate-limit takes stop or wait, not "${opts.rateLimit}"`);
  }
  const reserve =
    opts.rateLimitReserve === undefined
      ? undefined
      : nonNegativeInt(opts.rateLimitReserve, "--rate-limit-reserve");
  const platforms = opts.platforms
    ?.split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    ...(platforms?.length ? { platforms } : {}),
    ...(opts.jobs !== undefined ? { jobs: positiveInt(opts.jobs, "--jobs") } : {}),
    ...(opts.blobJobs !== undefined ? { concurrency: positiveInt(opts.blobJobs, "--blob-jobs") } : {}),
    ...(opts.keepGoing ? { keepGoing: true } : {}),
    ...(opts.referrers ? { referrers: true } : {}),
    ...(opts.verify === false ? { verify: false } : {}),
    ...(opts.rateLimit !== undefined || reserve !== undefined
      ? { rateLimit: { wait: opts.rateLimit === "wait", ...(reserve !== undefined ? { reserve } : {}) } }
      : {}),
  };
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`${flag} takes a whole number (0 or more), not "${value}"`);
  }
  return n;
}

/** The tag filter of the command line, or undefined when it names none. */
function flagFilter(opts: SyncFlags): TagFilter | undefined {
  const list = opts.tag.flatMap((t) => t.split(",").map((s) => s.trim())).filter(Boolean);
  const filter: TagFilter = {
    ...(list.length ? { list } : {}),
    ...(opts.include?.length ? { include: opts.include } : {}),
    ...(opts.exclude?.length ? { exclude: opts.exclude } : {}),
    ...(opts.semver !== undefined ? { semver: opts.semver } : {}),
  };
  if (opts.allTags && Object.keys(filter).some((k) => k !== "exclude")) {
    throw new UsageError("--all-tags and --tag, --include or --semver exclude each other");
  }
  return Object.keys(filter).length ? filter : undefined;
}

/** Far more than any sync config; a larger file is refused, not read into memory. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The jobs of the command line or of --config, their settings per registry, and the registry to open first. */
async function jobsOf(
  source: string | undefined,
  target: string | undefined,
  opts: SyncFlags,
): Promise<{
  jobs: SyncJob[];
  hosts: NonNullable<ConnectOptions["hosts"]>;
  insecure?: string[];
  registry: string;
  format?: SyncConfig["format"];
}> {
  const filter = flagFilter(opts);
  if (opts.config !== undefined) {
    if (target !== undefined)
      throw new UsageError("with --config, give at most one argument: the destination");
    let text: string;
    try {
      text = (await readUserFile(opts.config, { name: "--config", maxBytes: MAX_CONFIG_BYTES })).toString(
        "utf8",
      );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--config ${quotePath(opts.config)}: cannot read it (${whyUnreadable(error)})`, {
        cause: error,
      });
    }
    const config: SyncConfig = await parseSyncConfig(text, opts.config, {
      ...(source !== undefined ? { destination: source } : {}),
      ...(opts.scoped ? { scoped: true } : {}),
    });
    if (config.format === "regsync" && source !== undefined) {
      throw new UsageError(`${quotePath(opts.config)} names its targets (sync:): give no destination`);
    }
    // Command-line filters narrow every job of the file: a tag must pass both the file's filter and theirs.
    const jobs = config.jobs.map((job) =>
      filter
        ? { ...job, tags: job.tags ? { ...job.tags, allOf: [...(job.tags.allOf ?? []), filter] } : filter }
        : job,
    );
    return {
      jobs,
      hosts: config.hosts,
      ...(config.insecure ? { insecure: config.insecure } : {}),
      registry: registryOf(jobs[0]?.target ?? jobs[0]?.source),
      format: config.format,
    };
  }
  if (source === undefined || target === undefined) {
    throw new UsageError("sync needs SOURCE and TARGET, or --config FILE (see regatta sync --help)");
  }
  if (opts.scoped) throw new UsageError("--scoped is for --config files in skopeo's format");
  // skopeo's other transports (docker-archive:x.tar) would read as Docker Hub references with a tag.
  const hint = {
    ...(opts.platforms !== undefined ? { platforms: opts.platforms } : {}),
    sourceCredentials: opts.srcUsername !== undefined,
    targetCredentials: opts.destUsername !== undefined,
  };
  const refused =
    transportRefusal(source, "source", "sync", target, hint) ??
    transportRefusal(target, "target", "sync", source, hint);
  if (refused) throw refused;
  const named = source.startsWith("oci:") ? undefined : parseReference(source, { defaultTag: false }).tag;
  if (filter && named !== undefined) {
    throw new UsageError(
      `${source} names the tag ${named}: --tag, --include, --exclude and --semver choose among a repository's tags; give the repository alone`,
    );
  }
  const job: SyncJob = { source, target, ...(filter ? { tags: filter } : {}) };
  return { jobs: [job], hosts: {}, registry: registryOf(target.startsWith("oci:") ? source : target) };
}

/** The registry of a repository name (`docker.io` for a short one, and for a layout, which needs none). */
function registryOf(name: string | undefined): string {
  if (!name || name.startsWith("oci:")) return "docker.io";
  return parseReference(name, { defaultTag: false }).registry;
}

/** `--shard K/N`, else the Kubernetes Indexed Job's JOB_COMPLETION_INDEX of JOB_COMPLETIONS, else none. */
function shardOf(flag: string | undefined, parse: (text: string, what?: string) => Shard): Shard | undefined {
  if (flag !== undefined) return parse(flag, "--shard");
  const index = process.env.JOB_COMPLETION_INDEX;
  const count = process.env.JOB_COMPLETIONS;
  if (index === undefined) {
    // JOB_COMPLETIONS alone is a Job that is not Indexed (Kubernetes sets JOB_COMPLETION_INDEX only in those): every
    // pod would do all the work, N times the pulls.
    if (count === undefined) return undefined;
    throw new UsageError(
      "JOB_COMPLETIONS is set without JOB_COMPLETION_INDEX (a Job that is not Indexed: completionMode: Indexed sets it): set both (or --shard K/N)",
    );
  }
  if (count === undefined) {
    throw new UsageError("JOB_COMPLETION_INDEX is set without JOB_COMPLETIONS: set both (or --shard K/N)");
  }
  return parse(`${index}/${count}`, "JOB_COMPLETION_INDEX/JOB_COMPLETIONS");
}
