/**
 * Which tags of a repository a sync takes (sync-types.ts {@link TagFilter}), with the semantics of skopeo sync
 * (https://github.com/containers/skopeo/blob/main/docs/skopeo-sync.1.md: `images`, `images-by-tag-regex`,
 * `images-by-semver`) and regsync (https://regclient.org/usage/regsync/: `tags.allow`, `tags.deny`).
 */
import { quoteText, UsageError } from "@regatta/errors";
import semver from "semver";
import { tagFilter } from "../tag-selection.js";
import type { TagFilter } from "./sync-types.js";

/**
 * A tag read as a version as skopeo's Masterminds/semver does (`v1`, `1.2`, `1.2.3-rc.1`, `1.2.3+build`), padded to
 * three numbers; undefined when it is no version (`latest`, `3.20-alpine3.19` is one: prerelease `alpine3.19`).
 */
export function tagVersion(tag: string): string | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) return undefined;
  return semver.valid(`${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}${m[4] ?? ""}${m[5] ?? ""}`) ?? undefined;
}

/** Checks a filter once, before any request: bad regular expressions and semver ranges are usage errors. */
export function syncTagFilter(filter: TagFilter = {}): (tag: string) => boolean {
  const own = ownFilter(filter);
  const every = (filter.allOf ?? []).map((f) => syncTagFilter(f));
  const some = (filter.anyOf ?? []).map((f) => syncTagFilter(f));
  return (tag) =>
    own(tag) && every.every((keep) => keep(tag)) && (!some.length || some.some((keep) => keep(tag)));
}

/** The predicate of a filter's own fields (`list`, `include`, `semver`, `exclude`), without `allOf` and `anyOf`. */
function ownFilter(filter: TagFilter): (tag: string) => boolean {
  // Patterns as `regatta tags --include/--exclude` reads them (whole-tag strings, RegExps as given): one grammar.
  const include = filter.include?.length ? tagFilter({ include: filter.include }) : undefined;
  const excluded = tagFilter({ exclude: filter.exclude ?? [] });
  let range: semver.Range | undefined;
  if (filter.semver !== undefined) {
    // npm reads "" as `*`, every version; an unset variable (`--semver "$RANGE"`) must not mean that. Masterminds'
    // NewConstraint, skopeo's, refuses it too.
    if (filter.semver.trim() === "")
      throw new UsageError("the semver range is empty: give one (e.g. >=1.2 <2), or leave the filter out");
    try {
      range = new semver.Range(filter.semver);
    } catch (error) {
      throw new UsageError(`${quoteText(filter.semver)} is not a semver range`, { cause: error });
    }
  }
  const list = filter.list ? new Set(filter.list) : undefined;
  const narrowed = include !== undefined || range !== undefined;
  return (tag) => {
    if (list && !list.has(tag)) return false;
    if (narrowed) {
      const version = range ? tagVersion(tag) : undefined;
      const byVersion = range !== undefined && version !== undefined && range.test(version);
      if (!byVersion && !include?.(tag)) return false;
    }
    return excluded(tag);
  };
}

/** Every tag a filter names by `list`, its own and its parts' (`allOf`, `anyOf`). */
function listedTags(filter: TagFilter): string[] {
  return [
    ...(filter.list ?? []),
    ...[...(filter.allOf ?? []), ...(filter.anyOf ?? [])].flatMap((f) => listedTags(f)),
  ];
}

/**
 * The tags of `available` the filter keeps, sorted (code-unit order, so every worker of a sharded sync sees the same
 * plan), and the tags `filter.list` names that the source lacks.
 */
export function selectSyncTags(
  available: readonly string[],
  filter: TagFilter = {},
): { tags: string[]; missing: string[] } {
  const keep = syncTagFilter(filter);
  const have = new Set(available);
  const tags = [...have].filter(keep).sort(byCodeUnit);
  const missing = [...new Set(listedTags(filter))].filter((t) => !have.has(t) && keep(t)).sort(byCodeUnit);
  return { tags, missing };
}

/** Locale-free ordering, the same on every machine. */
export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
