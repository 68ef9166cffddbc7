/**
 * Splitting a sync among N workers that never talk to each other (a Kubernetes Indexed Job, N CI jobs, N shells):
 * each worker is given the same job list and its own `{index, count}`, and takes its repositories only.
 *
 * The split is a sorted round-robin: the repository pairs are sorted by `source` then `target` (code-unit order,
 * the same on every machine and locale) and worker `index` takes the pairs at positions `index`, `index + count`, …
 * That keeps the workers within one repository of each other, and depends only on the job list, never on what a
 * registry answers, so the shards are disjoint and together are the whole list. A repository is never split: all its
 * tags go to one worker, whose blob deduplication across tags then holds. A changed job list may move repositories
 * between workers, which is harmless: the registry is the state, and a worker skips what is already there.
 */
import { UsageError } from "@regatta/errors";
import type { Shard, SyncJob, TagFilter } from "./sync-types.js";
import { byCodeUnit } from "./tag-selection.js";

/** `K/N` (K from 0, as JOB_COMPLETION_INDEX) as a shard, or a UsageError naming `what`. */
export function parseShard(text: string, what = "--shard"): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what} takes K/N (worker K of N, K from 0), not "${text}"`);
  return checkShard({ index: Number(m[1]), count: Number(m[2]) }, what);
}

/** A shard that makes sense: `0 <= index < count`. */
export function checkShard(shard: Shard, what = "shard"): Shard {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(`${what}: the number of shards must be a whole number of at least 1, not ${count}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new UsageError(`${what}: shard ${index} of ${count} does not exist (shards are 0 to ${count - 1})`);
  }
  return shard;
}

/**
 * The jobs in their canonical order: sorted by source, then target. A pair given twice is one job taking the union of
 * their tags (skopeo's `images` and `images-by-tag-regex` for one repository, or two regsync entries: both tools
 * copy what either names) and of their platforms.
 */
export function sortJobs(jobs: readonly SyncJob[]): SyncJob[] {
  const byPair = new Map<string, SyncJob>();
  for (const job of jobs) {
    const key = `${job.source}\0${job.target}`;
    const earlier = byPair.get(key);
    byPair.set(key, earlier ? mergeJobs(earlier, job) : job);
  }
  return [...byPair.values()].sort(
    (a, b) => byCodeUnit(a.source, b.source) || byCodeUnit(a.target, b.target),
  );
}

/** Two jobs of one source and target as one: the tags either takes (all, when either takes all), either's platforms. */
function mergeJobs(a: SyncJob, b: SyncJob): SyncJob {
  const tags =
    a.tags && b.tags
      ? { anyOf: [...(a.tags.anyOf && !ownFields(a.tags) ? a.tags.anyOf : [a.tags]), b.tags] }
      : undefined;
  const platforms =
    a.platforms === undefined || b.platforms === undefined
      ? (a.platforms ?? b.platforms)
      : a.platforms === "all" || b.platforms === "all"
        ? "all"
        : [...new Set([...a.platforms, ...b.platforms])];
  return {
    source: a.source,
    target: a.target,
    ...(tags ? { tags } : {}),
    ...(platforms !== undefined ? { platforms } : {}),
  };
}

/** Whether a filter has fields of its own beside `anyOf` (then it cannot be flattened into another union). */
function ownFields(filter: TagFilter): boolean {
  return Object.keys(filter).some((k) => k !== "anyOf");
}

/** The jobs of `shard` (all of them without one), in canonical order. */
export function shardJobs(jobs: readonly SyncJob[], shard?: Shard): SyncJob[] {
  const sorted = sortJobs(jobs);
  if (!shard) return sorted;
  checkShard(shard);
  return sorted.filter((_job, i) => i % shard.count === shard.index);
}
