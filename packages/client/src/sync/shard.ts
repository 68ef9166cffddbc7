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
import type { Shard, SyncJob } from "./sync-types.js";
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

/** The jobs in their canonical order: sorted by source, then target; a pair given twice is kept once (the first). */
export function sortJobs(jobs: readonly SyncJob[]): SyncJob[] {
  const seen = new Set<string>();
  const unique = jobs.filter((job) => {
    const key = `${job.source}\0${job.target}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => byCodeUnit(a.source, b.source) || byCodeUnit(a.target, b.target));
}

/** The jobs of `shard` (all of them without one), in canonical order. */
export function shardJobs(jobs: readonly SyncJob[], shard?: Shard): SyncJob[] {
  const sorted = sortJobs(jobs);
  if (!shard) return sorted;
  checkShard(shard);
  return sorted.filter((_job, i) => i % shard.count === shard.index);
}
