import { fileListingLines } from "@regatta/present";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { writeJson, writeStdout } from "../output.js";

/** `regatta ls REFERENCE [PATH]`: a directory of an image's merged filesystem (issue 14; docs/files.md). */
export function registerLs(program: Command, cli: CliContext): void {
  program
    .command("ls")
    .description("list a directory of an image's filesystem, its layers merged (whiteouts honoured)")
    .argument("<reference>", "image reference")
    .argument("[path]", "directory (or file) in the image", "/")
    .option("-R, --recursive", "everything under the directory, not only its own entries")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      `
Examples:
  regatta ls alpine:3.20
  regatta ls alpine:3.20 /etc
  regatta ls -R alpine:3.20 /etc --json

Every layer is read (a directory's entries can come from any of them), keeping only names and modes. A link on the
way is followed inside the image (ls /bin lists /usr/bin when /bin -> usr/bin); a file lists itself.`,
    )
    .action(async (reference: string, path: string, opts: { recursive?: boolean }, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const listing = await reg.listFiles(ref, path, {
          ...interruptSignal(),
          ...(opts.recursive ? { recursive: true } : {}),
        });
        if (flags.json) return writeJson(listing);
        // Names come from the layers: each stays one field of its line (fileListingLines escapes them).
        await writeStdout(
          fileListingLines(listing.entries)
            .map((l) => `${l}\n`)
            .join(""),
        );
      });
    });
}
