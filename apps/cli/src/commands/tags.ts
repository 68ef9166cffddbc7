import type { AllTagsOptions } from "@regatta/client";
import { isValidTag, parseReference, parseRepository, type RepositoryReference } from "@regatta/reference";
import { type Command, Option } from "commander";
import type { CliContext } from "../cli-context.js";
import { positiveInt } from "../flag-values.js";
import { escapeField, writeJson, writeStderr, writeStdout } from "../output.js";
import { excludeOption, includeOption, patternNote } from "../tag-pattern-flags.js";

type TagSort = NonNullable<AllTagsOptions["sort"]>;

/** The orders of `--sort` (the client's TagSort, tag-selection.ts), listed here so that --help loads no client. */
const SORTS: readonly TagSort[] = ["none", "name", "semver"];

/** `regatta tags REPOSITORY`: the tags of a repository, every page, selected and sorted, optionally with digests. */
export function registerTags(program: Command, cli: CliContext): void {
  program
    .command("tags")
    .description("list the tags of a repository, one per line, in natural order")
    .argument(
      "<repository>",
      "e.g. alpine, ghcr.io/org/app, localhost:5000/team/api (a :tag or @digest is ignored)",
    )
    .addOption(
      new Option(
        "--sort <order>",
        "name: natural order (1.9 before 1.10); semver: versions by precedence, then the rest; none: the registry's order",
      )
        .choices(SORTS)
        .default("name"),
    )
    .addOption(includeOption())
    .addOption(excludeOption())
    .option("--limit <n>", "print at most n tags (the first n after --include/--exclude and --sort)")
    .option("--full-ref", "print each tag as a full reference, registry/repository:tag")
    .option("-n, --page-size <n>", "ask the registry for pages of n tags (every page is still read)")
    .option("--digests", "print each tag's manifest digest beside it (one HEAD per tag printed)")
    // Accepted so that it is answered, not refused as unknown nor silently dropped: a tag names a manifest, which may
    // be an index of many platforms; listing tags has no platform to choose.
    .addOption(
      new Option(
        "--platform <os/arch[/variant]>",
        "does not apply: tags name manifests, not platforms",
      ).hideHelp(),
    )
    .addHelpText(
      "after",
      `
Patterns are regular expressions matched against the whole tag, as regctl's tag ls --include/--exclude: a tag is
listed when it matches any --include (or none is given) and no --exclude. --limit counts tags printed; -n only sizes
the registry's pages. In the registry's order (--sort none), paging stops once --limit tags are found.

Examples:
  regatta tags alpine
  regatta tags alpine --sort semver --include '3\\.[0-9]+' --limit 5
  regatta tags localhost:5000/team/api --exclude '.*-rc.*' --full-ref
  regatta tags localhost:5000/team/api --json | jq -r '.tags[]'`,
    )
    .action(async (repository: string, opts: TagsFlags, cmd: Command) => {
      const { repo, note } = tagsRepository(repository);
      if (note) writeStderr(`note: ${note}\n`);
      if (opts.platform !== undefined) {
        writeStderr(
          `note: --platform ${opts.platform} does not apply to tags (a tag names a manifest, not a platform); ignored\n`,
        );
      }
      const selection = {
        sort: opts.sort as TagSort,
        ...(opts.include ? { include: opts.include } : {}),
        ...(opts.exclude ? { exclude: opts.exclude } : {}),
        ...(opts.limit !== undefined ? { limit: positiveInt(opts.limit, "--limit") } : {}),
        ...(opts.pageSize !== undefined ? { n: positiveInt(opts.pageSize, "--page-size") } : {}),
      };
      await cli.withClient(cmd, repo.registry, async (reg, flags) => {
        // An --exclude that drops nothing is said, as an --include that keeps nothing is: the listing is read once
        // without it to see what it would drop (one listing, reused unless --digests asks the registry per tag).
        let whole: string[] | undefined;
        if (opts.exclude?.length) {
          const { selectTags, tagFilter } = await import("@regatta/client");
          whole = await reg.allTags(repo, opts.include ? { include: opts.include } : {});
          if (whole.length > 0 && whole.every(tagFilter({ exclude: opts.exclude }))) {
            writeStderr(patternNote("--exclude", opts.exclude));
          }
          whole = selectTags(whole, selection);
        }
        const listed = opts.digests
          ? await reg.tagsWithDigests(repo, selection)
          : {
              name: repo.repository,
              tags: whole ?? (await reg.allTags(repo, selection)),
              digests: undefined,
            };
        const { name, digests } = listed;
        // A broken or hostile registry can list names that are no tag (`-rf`, `*`, `a b`): printed, a script's
        // `for t in $(regatta tags R)` would hand them on as options or globs. Dropped with a note, as completion does.
        const tags = listed.tags.filter((t) => isValidTag(t));
        const invalid = listed.tags.filter((t) => !isValidTag(t));
        if (invalid.length) {
          // Each quoted at most 80 characters long: the name is the registry's, and one name of megabytes would
          // flood the terminal (QA: a 5 MiB "tag").
          const shown = invalid
            .slice(0, 5)
            .map((t) =>
              t.length > 80
                ? `${escapeField(JSON.stringify(t.slice(0, 80)))}… (${t.length} characters)`
                : escapeField(JSON.stringify(t)),
            );
          writeStderr(
            `note: ${invalid.length} name${invalid.length === 1 ? "" : "s"} the registry listed ${invalid.length === 1 ? "is" : "are"} not a valid tag, not printed: ${shown.join(", ")}${invalid.length > 5 ? ", …" : ""}\n`,
          );
        }
        if (tags.length === 0 && opts.include?.length) {
          // The habits of grep (`^v`) and of globs (`v*`) match no whole tag: say how these patterns read.
          writeStderr(patternNote("--include", opts.include));
        }
        const full = (tag: string) => `${repo.name}:${tag}`;
        if (flags.json) {
          await writeJson({
            name,
            tags,
            ...(opts.fullRef ? { references: tags.map(full) } : {}),
            ...(digests ? { digests } : {}),
          });
          return;
        }
        const label = opts.fullRef ? full : (tag: string) => tag;
        await writeStdout(
          tags
            .map((t) =>
              digests ? `${escapeField(label(t))}\t${escapeField(digests[t] ?? "")}` : escapeField(label(t)),
            )
            .join("\n") + (tags.length ? "\n" : ""),
        );
      });
    });
}

interface TagsFlags {
  sort: string;
  include?: string[];
  exclude?: string[];
  limit?: string;
  fullRef?: boolean;
  pageSize?: string;
  digests?: boolean;
  platform?: string;
}

/** A repeatable flag's values, in order (commander hands the previous value, undefined the first time). */

/**
 * The repository `tags` lists. `alpine:3.20` or `app@sha256:…` (a reference pasted from elsewhere) lists the
 * repository, with a note that the tag or digest was ignored. `localhost:5000` alone stays refused with its hint: it
 * reads as the image `localhost` tagged 5000, but a registry was meant.
 */
export function tagsRepository(input: string): { repo: RepositoryReference; note?: string } {
  try {
    return { repo: parseRepository(input, { usage: "tags" }) };
  } catch (error) {
    let ref: ReturnType<typeof parseReference>;
    try {
      ref = parseReference(input, { defaultTag: false });
    } catch {
      throw error;
    }
    const hostLike = /^(?:localhost|[^/:@]*\.[^/:@]*):\d+$/.test(input);
    if (hostLike || (ref.tag === undefined && ref.digest === undefined)) throw error;
    const repo = ref.repositoryOnly();
    const ignored = [ref.tag !== undefined ? `tag ${ref.tag}` : "", ref.digest ? `digest ${ref.digest}` : ""]
      .filter(Boolean)
      .join(" and ");
    return { repo, note: `listing the tags of ${repo.name}; the ${ignored} of ${input} ignored` };
  }
}
