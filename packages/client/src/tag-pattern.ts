/**
 * Tag patterns that people write (`--include`, `--exclude`, regsync's `allow`/`deny`, skopeo's
 * `images-by-tag-regex`), matched against tag names that the registry chooses: the one place a pattern text becomes
 * a matcher.
 *
 * The engine is RE2's (re2js, a JavaScript port of https://github.com/google/re2), not JavaScript's: a backtracking
 * engine takes time exponential in the tag for a pattern like `(a+)+$`, so whoever can push a tag could freeze every
 * mirror job with such a pattern, and a blocked event loop hears no SIGTERM either. RE2 matches in time linear in the
 * tag, and its syntax (https://github.com/google/re2/wiki/Syntax) is Go's `regexp`, which skopeo, regsync and regctl
 * read: a pattern means here what it means there. It has no backreferences and no lookaround; such a pattern is
 * refused with RE2's reason.
 *
 * re2js is loaded on the first pattern (about 70 ms): a listing or sync without one, and `--help`, never load it.
 */
import { quoteText, UsageError } from "@regatta/errors";
import { re2 } from "./re2-engine.js";

/**
 * Why `pattern` is not RE2 (`"(a)\\1" is not a regular expression in RE2's syntax (…): …`, with RE2's own reason),
 * or undefined when it is: for a caller that names file:line.
 */
export function tagPatternError(pattern: string): string | undefined {
  try {
    re2().RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${quoteText(pattern)} is not a regular expression in RE2's syntax (Go's, as skopeo and regsync read it; no backreferences or lookaround, so that matching takes linear time): ${reason}`;
  }
}

/**
 * A predicate for a pattern matched against the whole tag (`1\.2.*` means `^(?:1\.2.*)$`), as regctl's
 * `tag ls --include` and regsync's `allow` read it. A RegExp, which only a library caller can give, is JavaScript's
 * as given (its lastIndex reset, so a /g or /y one matches every time). `what` names the pattern in the error.
 */
export function wholeTagPattern(pattern: string | RegExp, what: string): (tag: string) => boolean {
  if (pattern instanceof RegExp) {
    return (tag) => {
      pattern.lastIndex = 0;
      return pattern.test(tag);
    };
  }
  // "" would keep (or drop) only the empty tag, which no registry has: the mark of an unset shell variable.
  if (pattern === "") throw new UsageError(`${what} pattern is empty: give a regular expression for the tag`);
  const error = tagPatternError(pattern);
  if (error !== undefined) throw new UsageError(`${what} pattern ${error}`);
  const compiled = re2().RE2JS.compile(pattern);
  return (tag) => compiled.matches(tag);
}

/**
 * The whole-tag pattern that matches where `pattern` matches anywhere in the tag, as skopeo's
 * `images-by-tag-regex` (Go's `MatchString`) does: `v1` keeps `v10`. Check `pattern` with {@link tagPatternError}
 * first: wrapping can balance a broken one (`a)(?:b`).
 */
export function anywhereInTag(pattern: string): string {
  return `.*(?:${pattern}).*`;
}
