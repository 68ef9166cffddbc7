import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { writeJson, writeStdout } from "../output.js";

/** `regatta tag SOURCE TARGET`: another tag or name for a manifest, in the same registry (tag.ts in the client). */
export function registerTag(program: Command, cli: CliContext): void {
  program
    .command("tag")
    .description(
      "give a manifest another tag or name in the same registry (the digest stays; into another repository its blobs are mounted first)",
    )
    .argument("<source>", "the image, e.g. localhost:5000/team/api:1.0")
    .argument("<target>", "a tag (1.0-stable) or a reference in the same registry (team/api-stable:1.0)")
    .addHelpText(
      "after",
      "\nWithin one repository only the manifest is written. Into another repository of the registry, what the manifest" +
        "\nreferences comes first (each blob mounted from the source repository, an index's children pushed by digest)," +
        "\nthen the tag; nothing is downloaded. Another registry: use copy." +
        "\n\nExamples:\n  regatta tag localhost:5000/team/api:1.0 latest\n  regatta tag localhost:5000/team/api:1.0 localhost:5000/team/release:1.0",
    )
    .action(async (source: string, target: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(source);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const pushed = await reg.tag(ref, target);
        if (flags.json) {
          await writeJson({
            source: ref.toString(),
            target: pushed.reference.toString(),
            digest: pushed.digest,
          });
          return;
        }
        cli.info(`tagged ${ref.familiar()} as ${pushed.reference.withoutDigest().familiar()}`);
        await writeStdout(`${pushed.digest}\n`);
      });
    });
}
