/**
 * `--include` / `--exclude` for the commands that choose tags (tags, inventory, sync): whole-tag regular expressions
 * in RE2's syntax, repeatable, as regctl's `tag ls --include/--exclude` and regsync's `allow`/`deny` (packages/client's
 * tag-pattern.ts reads them, on RE2's linear-time engine). One home, so the three commands spell and document them
 * alike.
 */
import { Option } from "commander";

/** A repeatable option's values in order; undefined until given. */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** `--include <regex>`: `opts.include`, undefined or the patterns given (a tag is kept when it matches any). */
export function includeOption(): Option {
  return new Option(
    "--include <regex>",
    "only tags matching this regular expression (RE2, as Go's), whole tag (repeatable: any of them)",
  ).argParser(collect);
}

/** `--exclude <regex>`: `opts.exclude`, undefined or the patterns given (a tag matching any is dropped). */
export function excludeOption(): Option {
  return new Option(
    "--exclude <regex>",
    "drop tags matching this regular expression (RE2, as Go's), whole tag (repeatable)",
  ).argParser(collect);
}

/**
 * The note when `--include` kept no tag, or an `--exclude` dropped none: the habits of grep (`^v`) and of globs (`v*`)
 * match no whole tag, so the command says how its patterns read instead of printing nothing (tags, sync).
 */
export function patternNote(flag: "--include" | "--exclude", patterns: readonly string[]): string {
  const given = `${flag} ${patterns.map((p) => JSON.stringify(p)).join(", ")}`;
  const what =
    flag === "--include" ? `no tag matched ${given}` : `no tag matched ${given}, nothing was left out`;
  return `note: ${what}: patterns match the whole tag as regular expressions (v.* for tags starting with v)\n`;
}
