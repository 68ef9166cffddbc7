import type { DeletedRepository, RepositoryManifest } from "@regatta/client";
import { RegattaError } from "@regatta/errors";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { countNoun, writeJson, writeStdout } from "../output.js";

interface RmrepoFlags {
  dryRun?: boolean;
}

/** `regatta rmrepo REPOSITORY`: every manifest of every tag of a repository deleted, indexes before their children. */
export function registerRmrepo(program: Command, cli: CliContext): void {
  program
    .command("rmrepo")
    .description("delete every manifest of every tag of a repository (the Ruby gem's rmrepo)")
    .argument("<repository>", "e.g. localhost:5000/team/old")
    .option("--dry-run", "list what would be deleted, in order, and delete nothing (only reads are sent)")
    .addHelpText(
      "after",
      "\nEvery index goes before the manifests it lists, and those only once every index listing them is deleted:" +
        "\nwhen one cannot be deleted (a 403 for an immutable tag, a 500) the manifests it lists are kept, so it still" +
        "\npulls, and the others go on. A summary says what was deleted, what failed and what was kept (--json:" +
        "\ndeleted, failed, kept); the exit status is not 0 when anything failed. Untagged manifests that no tagged" +
        "\nindex lists are not found, and stay. A repository whose tag list is 404 (distribution's answer when every" +
        "\nmanifest was pushed by digest) cannot be enumerated: rmrepo says so (exit 3); delete those by REPO@DIGEST." +
        "\n\nExamples:\n  regatta rmrepo localhost:5000/team/old --dry-run\n  regatta rmrepo localhost:5000/team/old" +
        "\n  regatta rmrepo localhost:5000/team/old --json",
    )
    .action(async (repository: string, opts: RmrepoFlags, cmd: Command) => {
      await cli.withRepository(cmd, repository, async (reg, repo, flags) => {
        const done = await reg.deleteRepository(repo, opts.dryRun ? { dryRun: true } : {});
        const name = repo.familiar();
        if (flags.json) await writeJson(reportJson(done));
        else {
          for (const f of done.failed)
            cli.info(`not deleted: ${name}@${f.digest}${tagsNote(f)}: ${message(f.error)}`);
          const remaining = new Map([...done.failed, ...done.kept].map((m) => [m.digest, m.tags]));
          const index = (d: string) =>
            `${remaining.get(d)?.length ? `${remaining.get(d)?.join(", ")} ` : ""}(${d})`;
          for (const k of done.kept) {
            cli.info(
              `kept: ${name}@${k.digest}${tagsNote(k)}: listed by the index ${k.listedBy.map(index).join(" and ")}, which was not deleted`,
            );
          }
          cli.info(summary(done, name));
          await writeStdout(done.deleted.map((d) => `${d}\n`).join(""));
        }
        const first = done.failed[0];
        if (first) throw incomplete(first.error, done, name, Boolean(flags.json));
      });
    });
}

/** `--json`: what was deleted, what failed (with the registry's message) and what was kept. */
function reportJson(done: DeletedRepository) {
  return {
    repository: done.repository,
    tags: done.tags,
    deleted: done.deleted,
    failed: done.failed.map((f) => ({
      digest: f.digest,
      tags: f.tags,
      error: message(f.error),
      ...(f.error instanceof RegattaError ? { code: f.error.code } : {}),
      ...(f.error instanceof RegattaError && f.error.status !== undefined ? { status: f.error.status } : {}),
    })),
    kept: done.kept,
    // The earlier name of `deleted`, for scripts that read it.
    digests: done.deleted,
    ...(done.dryRun ? { dryRun: true } : {}),
  };
}

function summary(done: DeletedRepository, name: string): string {
  const n = done.deleted.length;
  const of = `${countNoun(n, "manifest")} of ${countNoun(done.tags.length, "tag")}`;
  if (done.dryRun)
    return `dry run: nothing deleted; ${of} would be deleted from ${name}, in this order (every index before the manifests it lists)`;
  if (!done.failed.length) return `deleted ${of} from ${name}`;
  const total = n + done.failed.length + done.kept.length;
  const left = [...new Set([...done.failed, ...done.kept].flatMap((m) => m.tags))].sort();
  return `deleted ${n} of ${countNoun(total, "manifest")} from ${name}; ${done.failed.length} failed, ${done.kept.length} kept (listed by an index that was not deleted)${left.length ? `; tags still there: ${left.join(", ")}` : ""}`;
}

/** ` (tags a, b)`, or nothing for an untagged manifest. */
function tagsNote(m: RepositoryManifest): string {
  return m.tags.length ? ` (${m.tags.length === 1 ? "tag" : "tags"} ${m.tags.join(", ")})` : "";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The run's failure, of the first failure's class (so its exit status: 4 for a 403, 1 for a 500) and keeping its
 * status and request for the hints; the report above names each failure.
 */
function incomplete(error: unknown, done: DeletedRepository, name: string, json: boolean): unknown {
  const total = done.deleted.length + done.failed.length + done.kept.length;
  const text = `rmrepo ${name}: ${done.failed.length} of ${countNoun(total, "manifest")} could not be deleted and ${done.kept.length} kept (${json ? "the JSON report on stdout says why" : "listed above"})`;
  if (!(error instanceof RegattaError))
    return new RegattaError(text, { code: "RMREPO_INCOMPLETE", cause: error });
  return new (error.constructor as typeof RegattaError)(text, {
    code: error.code,
    errors: error.errors,
    cause: error,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.request ? { request: error.request } : {}),
  });
}
