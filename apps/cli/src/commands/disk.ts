import {
  type LayoutFormat,
  type PullProgress,
  type PullResult,
  type PushProgress,
  type PushResult,
  UsageError,
} from "@regatta/client";
import { parseReference, type Reference } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag, platformOption } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { humanSize, writeStdout } from "../output.js";
import { type TransferProgress, transferProgress } from "../transfer-progress.js";
import { positiveInt } from "./read.js";

const FORMATS: readonly LayoutFormat[] = ["docker", "oci", "dir"];

function formatOption(value: string | undefined): LayoutFormat | undefined {
  if (value === undefined) return undefined;
  if (!FORMATS.includes(value as LayoutFormat)) {
    throw new UsageError(`--format takes ${FORMATS.join(", ")}, not "${value}"`);
  }
  return value as LayoutFormat;
}

/** Feeds pull and push progress to the shared transfer display (bars per blob in flight, and a total). */
function feed(progress: TransferProgress, event: PullProgress | PushProgress): void {
  switch (event.type) {
    case "plan":
      progress.onEvent({ type: "plan", blobs: [], bytes: event.size, manifests: 0 });
      break;
    case "bytes":
      progress.onEvent({
        type: "blob-progress",
        digest: event.blob.digest,
        size: event.blob.size,
        bytes: event.transferred,
      });
      break;
    case "blob":
      if (event.state === "downloading" || event.state === "uploading") {
        progress.onEvent({
          type: "blob-progress",
          digest: event.blob.digest,
          size: event.blob.size,
          bytes: event.transferred,
        });
      } else {
        const outcome = event.state === "cached" || event.state === "skipped" ? "skipped" : "uploaded";
        progress.onEvent({ type: "blob-done", digest: event.blob.digest, size: event.blob.size, outcome });
      }
      break;
    default:
      break;
  }
}

function describePull(result: PullResult): string[] {
  const lines = result.references.map((r) => {
    const from = r.index ? ` (index ${r.index.digest}, ${r.platform})` : "";
    const all = r.platforms ? ` (index, ${r.platforms.length} platforms: ${r.platforms.join(", ")})` : "";
    return `${r.reference}: ${r.digest}${from}${all}`;
  });
  const b = result.blobs;
  const parts = [`${b.downloaded} downloaded`];
  if (b.resumed) parts.push(`${b.resumed} resumed`);
  if (b.cached) parts.push(`${b.cached} already there`);
  lines.push(
    `wrote ${result.destination === "-" ? "stdout" : result.destination} (${result.format}, ${humanSize(result.bytes.total)}; blobs: ${parts.join(", ")}; ${humanSize(result.bytes.downloaded)} fetched)`,
  );
  return lines;
}

function describePush(result: PushResult, source: string): string {
  const b = result.blobs;
  return `pushed ${source}${result.name ? ` (${result.name})` : ""} to ${result.reference} (${b.uploaded} blobs uploaded, ${b.skipped} already there, ${humanSize(result.bytes.uploaded)} sent)`;
}

/** The disk commands: pull (registry → docker archive, OCI layout, dir) and push (back). */
export function registerDiskCommands(program: Command, cli: CliContext): void {
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
    .option("--all-platforms", "keep a multi-platform index whole, every platform (oci and dir formats)")
    .addOption(platformFlag())
    .option("-j, --jobs <n>", "blobs downloaded at once (default 8)")
    .option(
      "--fsync",
      "flush every file to the disk before renaming it into place (slower; survives a power cut)",
    )
    .addHelpText(
      "after",
      `
--platform picks the image of a multi-platform index (default: this host's). Blobs download in parallel
and are verified as they arrive; files appear under their final names only once complete. An interrupted pull
(Ctrl-C, a dropped connection) resumes where it stopped when run again.

Examples:
  regatta pull alpine:3.20 alpine.tar                       # docker load -i alpine.tar
  regatta pull alpine:3.20 busybox:1.36 images.tar          # several images in one tarball
  regatta pull alpine:3.20 - | docker load
  regatta pull alpine:3.20 ./layout                          # OCI layout; skopeo inspect oci:./layout:3.20
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
        const destination = args[args.length - 1]!;
        const refs: Reference[] = args.slice(0, -1).map((r) => parseReference(r));
        const flags = cli.flags(cmd);
        const format = formatOption(opts.format);
        if (destination === "-") {
          if (format && format !== "docker")
            throw new UsageError("only --format docker can be written to stdout");
          if (process.stdout.isTTY) {
            throw new UsageError("refusing to write a tarball to a terminal: give a file name or pipe it");
          }
        }
        if (opts.allPlatforms && flags.platform)
          throw new UsageError("--platform and --all-platforms exclude each other");
        const registries = new Set(refs.map((r) => r.registry));
        const progress = transferProgress({ enabled: Boolean(process.stderr.isTTY) && !flags.json });
        try {
          await cli.withClient(cmd, refs[0]!.registry, async (reg) => {
            if (registries.size > 1) {
              throw new UsageError("pull from one registry at a time: the references name several");
            }
            const result = await reg.pull(refs, destination === "-" ? process.stdout : destination, {
              ...(format ? { format } : {}),
              ...(opts.allPlatforms ? { platforms: "all" as const } : {}),
              ...platformOption(flags),
              ...(opts.jobs !== undefined ? { concurrency: positiveInt(opts.jobs, "--jobs") } : {}),
              ...(opts.fsync ? { sync: true } : {}),
              onProgress: (event) => feed(progress, event),
              ...interruptSignal(),
            });
            progress.stop();
            if (flags.json) {
              if (destination === "-") process.stderr.write(`${JSON.stringify(result)}\n`);
              else await writeStdout(`${JSON.stringify(result)}\n`);
              return;
            }
            for (const line of describePull(result)) cli.info(line);
          });
        } finally {
          progress.stop();
        }
      },
    );

  program
    .command("push")
    .description(
      "push an image from disk: a docker save tarball (or - for stdin), an OCI layout, or a dir layout",
    )
    .argument(
      "<source>",
      "a .tar (docker save, skopeo, regatta pull), an OCI layout directory, a dir layout, or -",
    )
    .argument("<reference>", "where to push: REPO[:TAG] (default tag latest) or REPO@DIGEST")
    .option(
      "--format <format>",
      "docker | oci | dir (default: a file or - → docker; a directory says by its files)",
    )
    .option(
      "--name <name>",
      "which image of a source holding several: its tag (ref.name, RepoTag) or full RepoTag",
    )
    .option("-j, --jobs <n>", "blobs uploaded at once (default 8)")
    .addHelpText(
      "after",
      `
Manifests are pushed as the exact bytes on disk, so an image pulled with regatta pull, or written by skopeo to an
OCI layout, keeps its digest. A docker save tarball without an OCI layout inside gets a manifest built from its
manifest.json; its layers are pushed as they are (uncompressed, when docker or skopeo wrote them).

Examples:
  regatta push alpine.tar localhost:5000/alpine:3.20
  docker save alpine:3.20 | regatta push - localhost:5000/alpine:3.20
  regatta push ./layout localhost:5000/alpine:3.20 --name 3.20
  regatta push ./ubuntu localhost:5000/ubuntu:copy             # boater's manifest + blobs/ directory`,
    )
    .action(
      async (
        source: string,
        reference: string,
        opts: { format?: string; name?: string; jobs?: string },
        cmd: Command,
      ) => {
        const ref = parseReference(reference);
        const flags = cli.flags(cmd);
        const format = formatOption(opts.format);
        const progress = transferProgress({ enabled: Boolean(process.stderr.isTTY) && !flags.json });
        try {
          await cli.withClient(cmd, ref.registry, async (reg) => {
            const result = await reg.push(source === "-" ? process.stdin : source, ref, {
              ...(format ? { format } : {}),
              ...(opts.name !== undefined ? { name: opts.name } : {}),
              ...(opts.jobs !== undefined ? { concurrency: positiveInt(opts.jobs, "--jobs") } : {}),
              ...interruptSignal(),
              onProgress: (event) => feed(progress, event),
            });
            progress.stop();
            if (flags.json) {
              await writeStdout(`${JSON.stringify(result)}\n`);
              return;
            }
            cli.info(describePush(result, source === "-" ? "stdin" : source));
            await writeStdout(`${result.digest}\n`);
          });
        } finally {
          progress.stop();
        }
      },
    );
}
