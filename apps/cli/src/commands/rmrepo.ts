import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { writeJson, writeStdout } from "../output.js";

/** `regatta rmrepo REPOSITORY`: every manifest of every tag of a repository deleted. */
export function registerRmrepo(program: Command, cli: CliContext): void {
  program
    .command("rmrepo")
    .description("delete every manifest of every tag of a repository (the Ruby gem's rmrepo)")
    .argument("<repository>", "e.g. localhost:5000/team/old")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta rmrepo localhost:5000/team/old\n  regatta rmrepo localhost:5000/team/old --json",
    )
    .action(async (repository: string, _opts: unknown, cmd: Command) => {
      await cli.withRepository(cmd, repository, async (reg, repo, flags) => {
        const deleted = await reg.deleteRepository(repo);
        if (flags.json) {
          await writeJson(deleted);
          return;
        }
        cli.info(
          `deleted ${deleted.digests.length} manifests of ${deleted.tags.length} tags from ${deleted.repository}`,
        );
        await writeStdout(deleted.digests.map((d) => `${d}\n`).join(""));
      });
    });
}
