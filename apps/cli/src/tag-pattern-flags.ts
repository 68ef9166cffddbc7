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
