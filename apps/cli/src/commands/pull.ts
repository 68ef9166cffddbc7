import type { PullResult } from "@regatta/client";
import { quotePath, UsageError } from "@regatta/errors";
import { parseReference, type Reference } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { layoutFormat } from "../flag-values.js";
import { platformFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { countNoun, humanSize, writeJson } from "../output.js";
import { pullDestination } from "../pull-destination.js";
import { DEFAULT_JOBS, defaultsLine, JOBS_HELP, jobsOf } from "../transfer-defaults.js";
import { withTransferProgress } from "../transfer-progress.js";

/** `regatta pull REF... DEST`: images saved to disk (docker archive, OCI layout or dir). */
export function registerPull(program: Command, cli: CliContext): void {
  program
    .command("pull")
    .description(
      "save images to disk: a docker save tarball, an OCI image layout, or a manifest + blobs/ directory",
    )
    .argument(
      "<references...>",
      "REF [REF...] DEST: images to pull, then where (DEST - writes a tarball to stdout)",
    )
    .option(
      "--format <format>",
      "docker | oci | dir (default: .tar or - → docker, an oci-layout directory → oci, a directory with a manifest file → dir, else oci)",
    )
    .option(
      "--all-platforms",
      "keep a multi-platform index whole, every platform (oci and dir formats); --platform all says the same, as for copy",
    )
    .addOption(platformFlag())
    .option("-j, --jobs <n>", JOBS_HELP)
    .option(
      "--fsync",
      "flush every file to the disk before renaming it into place (slower; survives a power cut)",
    )
    .addHelpText(
      "after",
      `
DEST may be written as skopeo writes it: oci:DIR[:TAG] (an OCI layout, the image named TAG in its index.json),
docker-archive:PATH or oci-archive:PATH[:TAG] (a tarball: Regatta's is a docker archive and an OCI one at once);
other transports are refused. A path that merely holds a colon (./a:b) is a path.

--platform picks the image of a multi-platform index (default: this host's, as docker pull and skopeo do: a docker
archive holds one image per reference; copy, a mirror, takes every platform). A line on stderr says which platform
was taken and how many blobs download at once (default ${DEFAULT_JOBS}, as for copy; --json: platform or platforms,
and jobs). Blobs download in parallel
and are verified as they arrive; files appear under their final names only once complete. An interrupted pull
(Ctrl-C, a dropped connection) resumes where it stopped when run again.

Examples:
  regatta pull alpine:3.20 alpine.tar                       # docker load -i alpine.tar
  regatta pull alpine:3.20 busybox:1.36 images.tar          # several images in one tarball
  regatta pull alpine:3.20 - | docker load
  regatta pull alpine:3.20 ./layout                          # OCI layout; skopeo inspect oci:./layout:3.20
  regatta pull alpine:3.20 oci:./layout:stable               # skopeo's form: the image named stable in the layout
  regatta pull --all-platforms alpine:3.20 ./layout
  regatta pull --format dir ubuntu ./ubuntu                 # manifest + blobs/sha256:…, as in boater's README`,
    )
    .action(
      async (
        args: string[],
        opts: { format?: string; allPlatforms?: boolean; jobs?: string; fsync?: boolean },
        cmd: Command,
      ) => {
        if (args.length < 2)
          throw new UsageError("pull needs at least one reference and a destination: pull REF DEST");
        const given = args[args.length - 1]!;
        const refs: Reference[] = args.slice(0, -1).map((r) => parseReference(r));
        const flags = cli.flags(cmd);
        // skopeo's oci:DIR[:TAG], oci-archive:PATH[:TAG] and docker-archive:PATH, as skopeo copy … DEST writes them.
        const { path: destination, format: implied, name } = pullDestination(given);
        const asked = layoutFormat(opts.format);
        if (implied && asked && asked !== implied) {
          throw new UsageError(`--format ${asked} and ${quotePath(given)} (format ${implied}) disagree`);
        }
        const format = asked ?? implied;
        if (name !== undefined && refs.length > 1) {
          throw new UsageError(
            `${quotePath(given)} names one image, and ${refs.length} references were given: pull them into ${quotePath(destination)}, each under its own tag`,
          );
        }
        if (destination === "-") {
          if (format && format !== "docker")
            throw new UsageError("only --format docker can be written to stdout");
          if (process.stdout.isTTY) {
            throw new UsageError("refusing to write a tarball to a terminal: give a file name or pipe it");
          }
        }
        // crane's and copy's `--platform all`: every platform, as --all-platforms says.
        if (flags.platform === "all") {
          if (opts.allPlatforms)
            throw new UsageError("--platform all and --all-platforms say the same: give one");
          cmd.setOptionValue("platform", undefined);
          delete flags.platform;
          opts.allPlatforms = true;
        }
        if (opts.allPlatforms && flags.platform)
          throw new UsageError("--platform and --all-platforms exclude each other");
        const registries = new Set(refs.map((r) => r.registry));
        cli.localFiles([destination]);
        // A tarball (docker-archive:, oci-archive:, --format docker, a .tar name) is a file: a directory there is refused
        // before the download, as the layout writer would refuse it after; any other destination is a layout directory.
        const tarball = format === "docker" || (format === undefined && /\.tar$/i.test(destination));
        cli.writesTo(destination, "pull", tarball ? "file" : "directory");
        await cli.withClient(cmd, refs[0]!.registry, async (reg) => {
          if (registries.size > 1) {
            throw new UsageError("pull from one registry at a time: the references name several");
          }
          const jobs = jobsOf(opts.jobs);
          // The platform the client resolves an index to: --platform (handed over by withClient), else this host's.
          const taken = opts.allPlatforms
            ? "every platform of an index"
            : `platform ${reg.ctx.platform}${flags.platform ? "" : " (this host's)"}`;
          cli.info(defaultsLine("pull", taken, jobs, opts.jobs !== undefined));
          const result = await withTransferProgress(flags, (onProgress) =>
            reg.pull(refs, destination === "-" ? process.stdout : destination, {
              ...(format ? { format } : {}),
              ...(name !== undefined ? { name } : {}),
              ...(opts.allPlatforms ? { platforms: "all" as const } : {}),
              concurrency: jobs,
              ...(opts.fsync ? { sync: true } : {}),
              onProgress,
              ...interruptSignal(),
            }),
          );
          if (flags.json) {
            const platforms = opts.allPlatforms ? { platforms: "all" } : { platform: reg.ctx.platform };
            const summary = { ...result, ...platforms, jobs };
            if (destination === "-") process.stderr.write(`${JSON.stringify(summary)}\n`);
            else await writeJson(summary);
            return;
          }
          for (const line of describePull(result)) cli.info(line);
        });
      },
    );
}

function describePull(result: PullResult): string[] {
  const lines = result.references.map((r) => {
    const from = r.index ? ` (index ${r.index.digest}, ${r.platform})` : "";
    const all = r.platforms
      ? ` (index, ${countNoun(r.platforms.length, "platform")}: ${r.platforms.join(", ")})`
      : "";
    return `${r.reference}: ${r.digest}${from}${all}`;
  });
  const b = result.blobs;
  const parts = [`${b.downloaded} downloaded`];
  if (b.resumed) parts.push(`${b.resumed} resumed`);
  if (b.cached) parts.push(`${b.cached} already there`);
  lines.push(
    `wrote ${result.destination === "-" ? "stdout" : quotePath(result.destination)} (${result.format}, ${humanSize(result.bytes.total)}; blobs: ${parts.join(", ")}; ${humanSize(result.bytes.downloaded)} fetched)`,
  );
  return lines;
}
