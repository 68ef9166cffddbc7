import { quotePath, UsageError } from "@regatta/errors";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { countNoun, humanSize, outputFile, writeJson } from "../output.js";
import { sayReaderWait } from "../transfer-progress.js";

/** `regatta export REFERENCE -o FILE`: an image's merged filesystem as one tar, as `crane export` (issue 14). */
export function registerExport(program: Command, cli: CliContext): void {
  program
    .command("export")
    .description("write an image's filesystem, its layers merged (whiteouts applied), as one tar")
    .argument("<reference>", "image reference")
    .option(
      "-o, --output <file>",
      "the tar to write (atomically), or - for stdout (the default when it is not a terminal)",
    )
    .addOption(platformFlag())
    .addHelpText(
      "after",
      `
Examples:
  regatta export alpine:3.20 -o rootfs.tar
  regatta export alpine:3.20 --platform linux/arm64 -o - | tar -t

Layers stream from the top down and each entry is written as it comes: memory holds the paths seen, never a file.
Names are relative and clean (no /, no ..), nothing is written beneath a link, links stay links. A file is written
under a temporary name and renamed once complete: on an error or Ctrl-C nothing is left behind.`,
    )
    .action(async (reference: string, opts: { output?: string }, cmd: Command) => {
      const file = outputFile(opts.output);
      const toStdout = file === undefined;
      if (toStdout && process.stdout.isTTY) {
        throw new UsageError("refusing to write a tar to a terminal; use -o FILE or a pipe");
      }
      cli.localFiles([file]);
      cli.writesTo(file, "-o");
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const target = file ?? process.stdout;
        const result = await reg.exportFilesystem(ref, target, {
          ...interruptSignal(),
          ...(file ? { onReaderWait: () => sayReaderWait(file) } : {}),
        });
        if (toStdout) {
          cli.info(
            `exported ${result.image}: ${countNoun(result.entries, "entry", "entries")} (${humanSize(result.size)})`,
          );
        } else if (flags.json) {
          await writeJson(result);
        } else {
          cli.info(
            `wrote ${quotePath(result.path ?? "")} (${countNoun(result.entries, "entry", "entries")}, ${humanSize(result.size)}) from ${result.image}`,
          );
        }
      });
    });
}
