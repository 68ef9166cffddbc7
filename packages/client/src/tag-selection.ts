/**
 * Which tags of a list, in which order: the pure part of `allTags({ sort, include, exclude, limit })` and of
 * `regatta tags`, with no I/O, so a listing, a sync plan or a script can share it.
 *
 * - Patterns are regular expressions in RE2's syntax (Go's), matched in linear time against the whole tag, as
 *   regctl's `tag ls --include/--exclude` (a string `1\.2.*` means `^(?:1\.2.*)$`; tag-pattern.ts); a tag is kept
 *   when it matches any include (or none is given) and no exclude.
 * - `name` is natural order (what `sort -V` and people expect): runs of digits compare as numbers, so `1.9` comes
 *   before `1.10` and `v2` before `v10`; everything else compares by code unit, so the order never depends on a
 *   locale.
 * - `semver` orders the tags that read as versions (`1`, `1.2`, `v1.2.3`, `1.2.3-rc.1`; missing parts are 0) by
 *   semantic-version precedence (https://semver.org/#spec-item-11: a pre-release comes before its release), then the
 *   other tags after them, in natural order.
 * - `none` keeps the registry's order (the spec asks for lexical order, which many registries do not keep).
 */
import { quoteText, UsageError } from "@regatta/errors";
import { wholeTagPattern } from "./tag-pattern.js";

/** How tags are ordered: see the module comment. */
export type TagSort = "none" | "name" | "semver";

/** The orders {@link TagSort} names, for a flag's validation. */
export const TAG_SORTS: readonly TagSort[] = ["none", "name", "semver"];

/** Which tags, in which order, how many. */
export interface TagSelection {
  /** Default `none`: the registry's order. */
  sort?: TagSort;
  /** Keep only tags matching one of these (a string is an RE2 regular expression for the whole tag). */
  include?: readonly (string | RegExp)[];
  /** Drop tags matching any of these (a string is an RE2 regular expression for the whole tag). */
  exclude?: readonly (string | RegExp)[];
  /** At most this many tags, the first ones after filtering and sorting. */
  limit?: number;
}

/** The tags `selection` keeps, in its order; `tags` itself is not changed. */
export function selectTags(tags: readonly string[], selection: TagSelection = {}): string[] {
  const keep = tagFilter(selection);
  const kept = tags.filter(keep);
  const sorted = sortTags(kept, selection.sort ?? "none");
  return selection.limit === undefined ? sorted : sorted.slice(0, checkLimit(selection.limit));
}

/** A predicate for {@link TagSelection}'s include and exclude; a pattern that is not a regular expression throws. */
export function tagFilter(selection: Pick<TagSelection, "include" | "exclude">): (tag: string) => boolean {
  const include = (selection.include ?? []).map((p) => wholeTagPattern(p, "include"));
  const exclude = (selection.exclude ?? []).map((p) => wholeTagPattern(p, "exclude"));
  return (tag) =>
    (!include.length || include.some((keep) => keep(tag))) && !exclude.some((drop) => drop(tag));
}

/** A sorted copy of `tags`. */
export function sortTags(tags: readonly string[], sort: TagSort): string[] {
  if (!TAG_SORTS.includes(sort)) {
    throw new UsageError(`tag sort must be one of ${TAG_SORTS.join(", ")}, not ${quoteText(sort)}`);
  }
  if (sort === "none") return [...tags];
  return [...tags].sort(sort === "name" ? compareNatural : compareSemver);
}

/** Natural order: digit runs compare as numbers (`1.9` < `1.10`), the rest by code unit; ties by code unit. */
export function compareNatural(a: string, b: string): number {
  const x = runs(a);
  const y = runs(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    const c = isDigits(p) && isDigits(q) ? compareDigits(p, q) : compareUnits(p, q);
    if (c !== 0) return c;
  }
  // One is a prefix of the other in runs (`1.2` and `1.2.3`), or they differ only in leading zeros (`01`, `1`).
  return x.length - y.length || compareUnits(a, b);
}

/** Semantic-version precedence for versions, natural order after them for the rest. */
export function compareSemver(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return x ? -1 : y ? 1 : compareNatural(a, b);
  for (let i = 0; i < 3; i++) {
    const c = compareDigits(x.core[i]!, y.core[i]!);
    if (c !== 0) return c;
  }
  return comparePrerelease(x.pre, y.pre) || compareNatural(a, b);
}

// `v` and up to three numeric parts, a pre-release after `-`. Tags cannot hold `+` (the distribution spec's tag
// grammar is [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}), so there is no build metadata to strip.
const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/i;

function parseVersion(tag: string): { core: string[]; pre: string[] } | undefined {
  const m = VERSION.exec(tag);
  if (!m) return undefined;
  return { core: [m[1]!, m[2] ?? "0", m[3] ?? "0"], pre: m[4] ? m[4].split(".") : [] };
}

/** semver §11.3–11.4: no pre-release ranks above one; identifiers compare numerically, numbers below words. */
function comparePrerelease(x: string[], y: string[]): number {
  if (!x.length || !y.length) return y.length - x.length;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    const c =
      isDigits(p) && isDigits(q)
        ? compareDigits(p, q)
        : isDigits(p) !== isDigits(q)
          ? isDigits(p)
            ? -1
            : 1
          : compareUnits(p, q);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

const runs = (s: string) => s.match(/\d+|\D+/g) ?? [];
const isDigits = (s: string) => /^\d+$/.test(s);
const compareUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Two digit strings as numbers of any length: leading zeros dropped, then the longer is larger. */
function compareDigits(a: string, b: string): number {
  const p = a.replace(/^0+(?=\d)/, "");
  const q = b.replace(/^0+(?=\d)/, "");
  return p.length - q.length || compareUnits(p, q);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new UsageError(`tag limit must be a whole number of tags, not ${limit}`);
  }
  return limit;
}
