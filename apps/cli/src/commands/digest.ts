import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { writeStdout } from "../output.js";

/** `regatta digest REFERENCE`: the digest a reference names, and where that digest came from. */
export function registerDigest(program: Command, cli: CliContext): void {
  program
    .command("digest")
    .description("print the digest of the manifest a reference names (sha256:…)")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .option(
      "--verify",
      "GET the manifest and hash it instead of trusting the registry's Docker-Content-Digest header",
    )
    .addHelpText(
      "after",
      "\nA HEAD's digest is the registry's claim; --json says where it came from (source: header, verified or" +
        "\nreference). A reference with a digest that the registry names differently is an error." +
        "\n\nExamples:\n  regatta digest alpine:3.20\n  regatta digest alpine:3.20 --verify --json" +
        "\n  regatta digest alpine:3.20 --platform linux/arm64/v8",
    )
    .action(async (reference: string, opts: { verify?: boolean }, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const head = await reg.head(ref, opts.verify ? { verify: true } : {});
        await writeStdout(
          flags.json
            ? `${JSON.stringify({ reference: ref.toString(), digest: head.digest, source: head.source })}\n`
            : `${head.digest}\n`,
        );
      });
    });
}
