import type { ConnectOptions } from "@regatta/client";
import { UsageError } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import type { CredentialSide } from "../access-hint.js";
import { type CliContext, GLOBAL_CREDENTIAL_FLAGS } from "../cli-context.js";
import { positiveInt } from "../flag-values.js";
import { type GlobalFlags, platformsFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { humanSize, writeJson, writeStdout } from "../output.js";
import { withTransferProgress } from "../transfer-progress.js";

/** `regatta copy SOURCE TARGET` (alias `cp`): an image or index copied between repositories or registries. */
export function registerCopy(program: Command, cli: CliContext): void {
  program
    .command("copy")
    .alias("cp")
    .description("copy an image or index to another repository or registry; blobs stream straight across")
    .argument("<source>", "e.g. alpine:3.20 or localhost:5000/team/api:1.0")
    .argument("<target>", "e.g. localhost:5001/team/api (the source's tag is kept) or …/api:2.0")
    .option("--all-platforms", "copy an index with every platform (the default; --platform chooses some)")
    .addOption(platformsFlag())
    .option("-j, --jobs <n>", "blobs copied at once (default 4)")
    .option("--force", "send blobs and manifests even when the target has them")
    .option("--no-verify", "leave blob digests to the target registry to check (one hash fewer per byte)")
    .option("--src-username <user>", "username for the source registry")
    .option("--src-password <password>", "password for the source registry (or REGATTA_SRC_PASSWORD)")
    .option("--dest-username <user>", "username for the target registry (default -u)")
    .option("--dest-password <password>", "password for the target registry (or REGATTA_DEST_PASSWORD)")
    .addHelpText(
      "after",
      `
Progress is drawn on a terminal; --json prints a summary (digests, bytes moved, blobs skipped and mounted).

Examples:
  regatta copy localhost:5000/team/api:1.0 localhost:5001/team/api
  regatta copy alpine:3.20 localhost:5000/mirror/alpine --platform linux/amd64,linux/arm64
  regatta copy ghcr.io/org/app:1 registry.example/app:1 --src-username me -u ci --password-stdin   # source password in REGATTA_SRC_PASSWORD`,
    )
    .action(async (source: string, target: string, opts: CopyFlags, cmd: Command) => {
      const src = parseReference(source);
      const dst = parseReference(target, { defaultTag: false });
      const flags = cli.flags(cmd);
      if (opts.allPlatforms && opts.platforms) {
        throw new UsageError("--all-platforms and --platform exclude each other");
      }
      const jobs = opts.jobs === undefined ? undefined : positiveInt(opts.jobs, "--jobs");
      const platforms = opts.platforms
        ? opts.platforms
            .split(",")
            .map((p) => p.trim())
            .filter(Boolean)
        : undefined;
      const extra = copyCredentials(opts, src.registry, dst.registry);
      cli.credentialSides(copySides(opts, flags, src, dst));
      await cli.withClient(
        cmd,
        dst.registry,
        async (reg) => {
          const started = Date.now();
          const result = await withTransferProgress(flags, (onProgress) =>
            reg.copy(src, dst, {
              ...(platforms ? { platforms } : { platforms: "all" }),
              ...(jobs ? { concurrency: jobs } : {}),
              ...(opts.force ? { force: true } : {}),
              ...(opts.verify === false ? { verify: false } : {}),
              ...interruptSignal(),
              onProgress,
            }),
          );
          const seconds = (Date.now() - started) / 1000;
          const count = (outcome: string) => result.blobs.filter((b) => b.outcome === outcome).length;
          if (flags.json) {
            await writeJson({
              source: result.source,
              target: result.target,
              digest: result.digest,
              sourceDigest: result.sourceDigest,
              mediaType: result.mediaType,
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
              seconds,
            });
            return;
          }
          if (result.upToDate) {
            cli.info(`${result.target} is up to date (${result.digest})`);
          } else {
            cli.info(
              `copied ${src.familiar()} to ${result.target}: ${result.blobs.length} blobs (${count("uploaded")} uploaded, ${count("mounted")} mounted, ${count("skipped")} skipped), ${humanSize(result.bytesUploaded)} in ${seconds.toFixed(1)} s${result.rewritten ? `; index rewritten for ${platforms?.join(", ")}` : ""}`,
            );
          }
          await writeStdout(`${result.digest}\n`);
        },
        extra,
      );
    });
}

interface CopyFlags {
  allPlatforms?: boolean;
  /** `--platform`: the platforms to keep, comma-separated (see platformsFlag). */
  platforms?: string;
  /** commander's `--no-verify`: false when given. */
  verify?: boolean;
  jobs?: string;
  force?: boolean;
  srcUsername?: string;
  srcPassword?: string;
  destUsername?: string;
  destPassword?: string;
}

/** Per-registry credentials of a copy: `--src-*` for the source, `--dest-*` (or -u/-p) for the target. */
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
