import type { DeletedManifest } from "@regatta/client";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { countNoun, escapeControls, writeJson, writeStdout } from "../output.js";

interface DeleteFlags {
  force?: boolean;
  referrers?: boolean;
  dryRun?: boolean;
}

/** `regatta delete REFERENCE`: a manifest deleted, with every tag that names it (and its referrers, when asked). */
export function registerDelete(program: Command, cli: CliContext): void {
  program
    .command("delete")
    .description(
      "delete a manifest by digest, with every tag that names it (refused when REPO:TAG shares it with other tags, or a tagged index lists it)",
    )
    .argument("<reference>", "REPO:TAG or REPO@DIGEST")
    .option(
      "--force",
      "delete even when other tags name the manifest (they all go, and are listed) or a tagged index lists it (it breaks)",
    )
    .option(
      "--referrers",
      "delete its referrers first (signatures, SBOMs, theirs in turn, cosign's tags), deepest first, and their fallback-tag entries",
    )
    .option(
      "--dry-run",
      "list what would be deleted (the referrers, deepest first, then the manifest) and delete nothing",
    )
    .addHelpText(
      "after",
      "\nRegistries delete manifests, not tags: every tag naming the manifest goes with it. Given REPO:TAG, delete" +
        "\nlooks for the other tags first and refuses unless --force; rmtag removes one tag only. A manifest that a" +
        "\ntagged index of the repository lists (a platform of a multi-platform image) is refused too unless --force," +
        "\nnaming the index: deleting it breaks that index. Untagged indexes, indexes listing it through another index," +
        "\nand other repositories are not looked at. Its referrers stay" +
        "\n(a note says how many), findable by its digest with regatta referrers, unless --referrers; if one of them" +
        "\ncannot be deleted, the manifest is not. A referrer deleted alone leaves its subject's fallback tag index." +
        "\n\nExamples:\n  regatta delete localhost:5000/team/api@sha256:…\n  regatta delete localhost:5000/team/api:1.0 --force --json" +
        "\n  regatta delete localhost:5000/team/api:1.0 --force --referrers --dry-run",
    )
    .action(async (reference: string, opts: DeleteFlags, cmd: Command) => {
      // Before any request: a delete names its tag or digest (the client checks it; the CLI parses first).
      (await import("@regatta/client")).checkNamesWhatToDelete(reference, "REPO:TAG or REPO@DIGEST");
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const deleted = await reg.deleteManifest(ref, {
          ...(opts.force ? { force: true } : {}),
          ...(opts.referrers ? { referrers: true } : {}),
          ...(opts.dryRun ? { dryRun: true } : {}),
        });
        if (flags.json) {
          await writeJson({
            reference: deleted.reference.toString(),
            digest: deleted.digest,
            tags: deleted.tags,
            ...(deleted.tagsComplete ? {} : { tagsComplete: false }),
            ...(deleted.indexes ? { indexes: deleted.indexes } : {}),
            // Present when there were referrers (or --referrers asked): an image without any reads as before.
            ...(deleted.referrers && (deleted.referrers.count > 0 || opts.referrers)
              ? { referrers: deleted.referrers }
              : {}),
            ...(deleted.subject ? { subject: deleted.subject } : {}),
            ...(deleted.dryRun ? { dryRun: true } : {}),
            ...(deleted.alreadyDeleted ? { alreadyDeleted: true } : {}),
          });
          return;
        }
        const name = deleted.reference.repositoryOnly().familiar();
        const list = deleted.referrers?.list ?? [];
        if (deleted.dryRun) {
          const n = list.length + 1;
          cli.info(
            `dry run: nothing deleted; ${n === 1 ? "this manifest would be" : `${n} manifests would be, in this order`}`,
          );
          if (deleted.subject)
            cli.info(
              `it is a referrer of ${name}@${deleted.subject.digest}: it would leave that image's fallback tag index too (where the registry has no referrers API)`,
            );
          const lines = list.map(
            (r) => `${name}@${r.digest}  ${escapeControls(r.artifactType ?? "-")}  ${r.source}`,
          );
          if (deleted.indexes)
            cli.info(
              `${indexesText(deleted, name)} ${deleted.indexes.length === 1 ? "lists" : "list"} it: deleting it would leave ${deleted.indexes.length === 1 ? "that index" : "those indexes"} naming a missing manifest`,
            );
          const note = referrersNote(deleted, name);
          if (note) cli.info(note);
          await writeStdout(
            [...lines, `${name}@${deleted.digest}${tagsText(deleted)}`].map((l) => `${l}\n`).join(""),
          );
          return;
        }
        for (const r of list)
          cli.info(
            `deleted referrer ${name}@${r.digest} (${escapeControls(r.artifactType ?? "no artifact type")})`,
          );
        for (const tag of deleted.referrers?.fallbackTags ?? [])
          cli.info(`updated the fallback tag ${name}:${tag}`);
        const unknown = deleted.tagsComplete
          ? ""
          : "; the repository has too many tags to check which others named it: any that did are gone too";
        cli.info(`deleted ${name}@${deleted.digest}${tagsText(deleted)}${unknown}`);
        if (deleted.alreadyDeleted)
          cli.info(
            "note: the registry's answer to the DELETE was lost and its retry found the manifest already gone: the first attempt deleted it",
          );
        if (deleted.indexes)
          cli.info(
            `warning: ${indexesText(deleted, name)} listed it, and now ${deleted.indexes.length === 1 ? "names" : "name"} a missing manifest`,
          );
        if (deleted.subject?.fallbackTag)
          cli.info(`taken out of its subject's fallback tag ${name}:${deleted.subject.fallbackTag}`);
        const note = referrersNote(deleted, name);
        if (note) cli.info(note);
        await writeStdout(`${deleted.digest}\n`);
      });
    });
}

/** `the index app:idx (sha256:…)`, or `the indexes app:a (sha256:…) and app:b, app:c (sha256:…)`. */
function indexesText(deleted: DeletedManifest, name: string): string {
  const indexes = deleted.indexes ?? [];
  const each = indexes.map((i) => `${i.tags.map((t) => `${name}:${t}`).join(", ")} (${i.digest})`);
  return `the ${indexes.length === 1 ? "index" : "indexes"} ${each.join(" and ")}`;
}

/**
 * The referrers a delete leaves (without --referrers): `note: it had 1 referrer …; it remains …`, or for a dry run
 * `note: it has 1 referrer …; it would remain …`; undefined when there are none.
 */
function referrersNote(deleted: DeletedManifest, name: string): string | undefined {
  const left = deleted.referrers && !deleted.referrers.deleted && !deleted.referrers.wouldDelete;
  const n = left ? (deleted.referrers?.count ?? 0) : 0;
  if (n === 0) return undefined;
  const one = n === 1;
  const remain = deleted.dryRun
    ? `${one ? "it" : "they"} would remain`
    : `${one ? "it remains" : "they remain"}`;
  return `note: it ${deleted.dryRun ? "has" : "had"} ${countNoun(n, "referrer")} (signatures, SBOMs, attestations); ${remain} in the registry, listed by regatta referrers ${name}@${deleted.digest} (delete --referrers deletes them too)`;
}

/** ` and its tag a`, ` and its tags a, b`, or ` (it had no tags)`. */
function tagsText(deleted: DeletedManifest): string {
  const { tags } = deleted;
  if (!tags.length) return " (it had no tags)";
  return ` and its ${tags.length === 1 ? "tag" : "tags"} ${tags.join(", ")}`;
}
