import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { positiveInt } from "../flag-values.js";
import { escapeField, writeJson, writeStdout } from "../output.js";

/** `regatta catalog [REGISTRY]` (alias `search`): the repositories of a registry's catalog. */
export function registerCatalog(program: Command, cli: CliContext): void {
  program
    .command("catalog")
    .alias("search")
    .description("list the repositories of a registry, one per line (the registry must allow /v2/_catalog)")
    .argument("[registry]", "host[:port] or URL (default docker.io)", "docker.io")
    .option("-f, --filter <substring>", "only repositories whose name contains this")
    .option("-n, --page-size <n>", "ask the registry for pages of n repositories")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta catalog localhost:5000\n  regatta catalog localhost:5000 --filter team/",
    )
    .action(async (registry: string, opts: { filter?: string; pageSize?: string }, cmd: Command) => {
      await cli.withClient(cmd, registry, async (reg) => {
        const n = opts.pageSize === undefined ? undefined : positiveInt(opts.pageSize, "--page-size");
        const all = await reg.repositories(n ? { n } : {});
        const repositories = opts.filter ? all.filter((r) => r.includes(opts.filter as string)) : all;
        if (cli.flags(cmd).json) await writeJson({ repositories });
        else await writeStdout(repositories.map((r) => `${escapeField(r)}\n`).join(""));
      });
    });
}
