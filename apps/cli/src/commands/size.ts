import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { humanSize, writeJson, writeStdout } from "../output.js";
import { noteSinglePlatform } from "../platform-note.js";

/** `regatta size REFERENCE`: an image's compressed size. */
export function registerSize(program: Command, cli: CliContext): void {
  program
    .command("size")
    .description("total compressed size of an image (config + layers); an index sums every platform")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      "\nExamples:\n  regatta size alpine:3.20\n  regatta size alpine:3.20 --platform linux/arm64 --json",
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        // Sizes are in the manifests; the config is read only to name the platform a --platform note mentions.
        const s = await reg.inspect(ref, { config: Boolean(flags.platform) });
        noteSinglePlatform(cli, flags, ref, s);
        if (flags.json) {
          await writeJson({
            reference: s.reference,
            digest: s.digest,
            size: s.size,
            ...(s.platforms ? { platforms: s.platforms } : {}),
          });
        } else if (process.stdout.isTTY) {
          await writeStdout(`${s.size} (${humanSize(s.size)})\n`);
        } else {
          await writeStdout(`${s.size}\n`);
        }
      });
    });
}
