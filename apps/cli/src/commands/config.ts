import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { writeStdout } from "../output.js";

/** `regatta config REFERENCE`: an image's config blob. */
export function registerConfig(program: Command, cli: CliContext): void {
  program
    .command("config")
    .description("print an image's config blob (resolving an index for --platform or this host)")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      "\nExamples:\n  regatta config alpine | jq .config.Env\n  regatta config alpine --platform linux/arm64",
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref) => {
        const got = await reg.config(ref);
        await writeStdout(got.bytes);
        if (process.stdout.isTTY) await writeStdout("\n");
      });
    });
}
