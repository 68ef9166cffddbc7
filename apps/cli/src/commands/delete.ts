import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { writeJson, writeStdout } from "../output.js";

/** `regatta delete REFERENCE`: a manifest deleted, with every tag that names it. */
export function registerDelete(program: Command, cli: CliContext): void {
  program
    .command("delete")
    .description(
      "delete a manifest by digest, with every tag that names it (refused when REPO:TAG shares it with other tags)",
    )
    .argument("<reference>", "REPO:TAG or REPO@DIGEST")
    .option("--force", "delete even when other tags name the manifest: they all go, and are listed")
    .addHelpText(
      "after",
      "\nRegistries delete manifests, not tags: every tag naming the manifest goes with it. Given REPO:TAG, delete" +
        "\nlooks for the other tags first and refuses unless --force; rmtag removes one tag only." +
        "\n\nExamples:\n  regatta delete localhost:5000/team/api@sha256:…\n  regatta delete localhost:5000/team/api:1.0 --force --json",
    )
    .action(async (reference: string, opts: { force?: boolean }, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const deleted = await reg.deleteManifest(ref, opts.force ? { force: true } : {});
        if (flags.json) {
          await writeJson({
            reference: deleted.reference.toString(),
            digest: deleted.digest,
            tags: deleted.tags,
            ...(deleted.tagsComplete ? {} : { tagsComplete: false }),
          });
        } else {
          const tags = deleted.tags.length ? ` and its tags ${deleted.tags.join(", ")}` : " (it had no tags)";
          const unknown = deleted.tagsComplete
            ? ""
            : "; the repository has too many tags to check which others named it: any that did are gone too";
          cli.info(
            `deleted ${deleted.reference.repositoryOnly().familiar()}@${deleted.digest}${tags}${unknown}`,
          );
          await writeStdout(`${deleted.digest}\n`);
        }
      });
    });
}
