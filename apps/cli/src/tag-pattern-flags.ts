/**
 * `--include` / `--exclude` for the commands that choose tags (tags, inventory, sync): whole-tag regular expressions,
 * repeatable, as regctl's `tag ls --include/--exclude` and regsync's `allow`/`deny` (packages/client's tag selection
 * reads them). One home, so the three commands spell and document them alike.
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
    "only tags matching this regular expression, whole tag (repeatable: any of them)",
  ).argParser(collect);
}

/** `--exclude <regex>`: `opts.exclude`, undefined or the patterns given (a tag matching any is dropped). */
export function excludeOption(): Option {
  return new Option(
    "--exclude <regex>",
    "drop tags matching this regular expression, whole tag (repeatable)",
  ).argParser(collect);
}
