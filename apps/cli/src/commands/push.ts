import type { PushResult } from "@regatta/client";
import { quotePath } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { layoutFormat, positiveInt } from "../flag-values.js";
import { interruptSignal } from "../interrupt.js";
import { countNoun, escapeField, humanSize, writeJson, writeStdout } from "../output.js";
import { withTransferProgress } from "../transfer-progress.js";

/** `regatta push SOURCE REFERENCE`: an image pushed from disk. */
export function registerPush(program: Command, cli: CliContext): void {
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
        const format = layoutFormat(opts.format);
        cli.localFiles([source]);
        await cli.withClient(cmd, ref.registry, async (reg) => {
          const result = await withTransferProgress(flags, (onProgress) =>
            reg.push(source === "-" ? process.stdin : source, ref, {
              ...(format ? { format } : {}),
              ...(opts.name !== undefined ? { name: opts.name } : {}),
              ...(opts.jobs !== undefined ? { concurrency: positiveInt(opts.jobs, "--jobs") } : {}),
              ...interruptSignal("uploads"),
              onProgress,
            }),
          );
          if (flags.json) {
            await writeJson(result);
            return;
          }
          cli.info(describePush(result, source === "-" ? "stdin" : quotePath(source)));
          await writeStdout(`${result.digest}\n`);
        });
      },
    );
}

function describePush(result: PushResult, source: string): string {
  const b = result.blobs;
  return `pushed ${source}${result.name ? ` (${escapeField(result.name)})` : ""} to ${result.reference} (${countNoun(b.uploaded, "blob")} uploaded, ${b.skipped} already there, ${humanSize(result.bytes.uploaded)} sent)`;
}
