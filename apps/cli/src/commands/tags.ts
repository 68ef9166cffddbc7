import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { positiveInt } from "../flag-values.js";
import { escapeField, writeJson, writeStdout } from "../output.js";

/** `regatta tags REPOSITORY`: the tags of a repository, every page, optionally with their digests. */
export function registerTags(program: Command, cli: CliContext): void {
  program
    .command("tags")
    .description("list the tags of a repository, one per line")
    .argument("<repository>", "e.g. alpine, ghcr.io/org/app, localhost:5000/team/api")
    .option("-n, --page-size <n>", "ask the registry for pages of n tags (every page is still listed)")
    .option("--digests", "print each tag's manifest digest beside it (one HEAD per tag)")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta tags alpine\n  regatta tags localhost:5000/team/api --json | jq -r '.tags[]'",
    )
    .action(async (repository: string, opts: { pageSize?: string; digests?: boolean }, cmd: Command) => {
      await cli.withRepository(cmd, repository, async (reg, repo, flags) => {
        const n = opts.pageSize === undefined ? undefined : positiveInt(opts.pageSize, "--page-size");
        const paging = n ? { n } : {};
        const { name, tags, digests } = opts.digests
          ? await reg.tagsWithDigests(repo, paging)
          : { name: repo.repository, tags: await reg.allTags(repo, paging), digests: undefined };
        if (flags.json) {
          await writeJson({ name, tags, ...(digests ? { digests } : {}) });
        } else {
          await writeStdout(
            tags
              .map((t) => (digests ? `${escapeField(t)}\t${escapeField(digests[t] ?? "")}` : escapeField(t)))
              .join("\n") + (tags.length ? "\n" : ""),
          );
        }
      });
    });
}
