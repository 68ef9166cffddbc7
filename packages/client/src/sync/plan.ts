/**
 * Planning a sync (`reg.planSync`): for each repository of the shard, its tags are listed and chosen
 * (tag-selection.ts), and the target's tags beside them; every tag the target lists is looked up by HEAD at the
 * source and at the target, and an image whose target tag already names the source's digest is up to date and
 * skipped. A tag the target does not list is known missing there and is not HEADed. Only the images to copy are
 * fetched (GET, the manifest bytes kept for execution, so nothing is fetched twice) and planned by copy's own step 1
 * (copy/plan.ts: an index's children the target lacks, and their blobs; in a target repository with no tags nothing
 * is looked up by digest); the blobs of a repository's images are then gathered once each and looked up at the
 * target (plan-run.ts planBlobs, which leaves out what the run already knows): skip (present), mount (same
 * registry, or another target of the run) or upload. docs/sync.md "Requests per image" has the counts.
 *
 * HEAD before GET where a quota is kept: Docker Hub counts manifest GETs against the pull quota and HEADs not. The
 * rate-limit guard (rate-limit-guard.ts) sees the quota on every HEAD and GET and is asked before every GET; a tag
 * known missing at the target is HEADed at the source only where the guard needs it (plan-run.ts headBeforeGet).
 */
import { NotFoundError, UnsupportedError, UsageError } from "@regatta/errors";
import { computeDigest, type Descriptor } from "@regatta/manifest";
import type { ClientContext } from "../context.js";
import { digestAt, planCopy } from "../copy/plan.js";
import { DEFAULT_COPY_CONCURRENCY } from "../copy.js";
import { getManifest, headManifest } from "../get-manifest.js";
import { checkAskedPlatforms } from "../image-config.js";
import { mapConcurrent } from "../map-concurrent.js";
import { type Endpoint, imageAt, parseEndpoint } from "./endpoints.js";
import { planLayoutSource, planLayoutTarget } from "./layout-ends.js";
import {
  checkReferrersJob,
  planReferrers,
  splitReferrerTags,
  uncarriedReferrerTags,
} from "./plan-referrers.js";
import {
  count,
  DOCKER_HUB,
  failedImage,
  failedWith,
  headBeforeGet,
  isIndexType,
  missingImages,
  type PlanRun,
  type PlanState,
  planBlobs,
  plannedImage,
  recordable,
  registryTags,
  states,
  targetActions,
  targetTags,
} from "./plan-run.js";
import { rateLimitFromHeaders } from "./rate-limit.js";
import { RateLimitGuard } from "./rate-limit-guard.js";
import { shardJobs, sortJobs } from "./shard.js";
import type {
  BlobAction,
  PlannedImage,
  PlannedRepository,
  SyncJob,
  SyncOptions,
  SyncPlan,
  SyncTotals,
} from "./sync-types.js";
import { byCodeUnit, syncTagFilter } from "./tag-selection.js";

/** Images copied at once when the caller says nothing. */
export const DEFAULT_SYNC_JOBS = 4;

/** Plans `jobs` (the shard's share of them); see the module comment. */
export async function planSync(
  ctx: ClientContext,
  jobs: readonly SyncJob[],
  options: SyncOptions = {},
): Promise<SyncPlan> {
  const mine = shardJobs(jobs, options.shard);
  // Parsed before any request: a bad endpoint is a usage error of the whole run.
  const ends = mine.map((job) => ({
    job,
    source: parseEndpoint(ctx, job.source, "source"),
    target: parseEndpoint(ctx, job.target, "target"),
  }));
  for (const { job, source, target } of ends) {
    // A bad regular expression or semver range is the caller's mistake: refused before any request.
    syncTagFilter(job.tags);
    if (source.kind === "oci" && target.kind === "oci") {
      // The caller's mistake, refused before any request (exit 2 in the CLI), as a bad endpoint is.
      throw new UsageError(
        `${job.source} to ${job.target}: one end of a sync must be a registry (to copy between layouts, copy the directory)`,
      );
    }
    checkReferrersJob(options, job, source, target);
  }
  const guard = new RateLimitGuard(options.rateLimit);
  const state: PlanState = { work: new WeakMap(), descriptors: new WeakMap(), guard };
  const jobsAtOnce = Math.max(1, options.jobs ?? DEFAULT_SYNC_JOBS);
  const run: PlanRun = {
    ctx,
    options,
    guard,
    state,
    width: jobsAtOnce * Math.max(1, options.concurrency ?? DEFAULT_COPY_CONCURRENCY),
    gets: { all: 0, byRegistry: new Map() },
    signal: options.signal,
    quotaSeen: new Map(),
    blobHomes: new Map(),
  };
  // Repositories are listed and their images looked up `jobsAtOnce` at a time: a run of many small repositories
  // waits on round trips more than it fills `width` (one after another, each costs its tag lists' round trip and
  // then its HEADs', so 50 repositories 50 ms away wait 5 s; docs/sync.md "The plan"). Their blobs are then planned
  // one repository after another in the jobs' order, because a blob is mounted from the target repository planned
  // for it first (planBlobs): the plan stays the same however the lookups interleave.
  const gathered = await mapConcurrent(
    ends,
    jobsAtOnce,
    (end, _i, signal) => planRepository({ ...run, signal }, end.job, end.source, end.target),
    options.signal,
  );
  const repositories: PlannedRepository[] = [];
  for (const { planned, blobs } of gathered) {
    if (blobs) await recordFailure(run, planned, blobs);
    repositories.push(planned);
  }
  const plan: SyncPlan = {
    repositories,
    ...(options.shard ? { shard: options.shard } : {}),
    repositoriesInAll: sortJobs(jobs).length,
    totals: totalsOf(run, repositories),
    rateLimits: guard.all(),
  };
  states.set(plan, state);
  return plan;
}

/**
 * One repository pair; a failure to list its tags fails the repository (recorded with keepGoing). Between two
 * registries, what is left is its blobs' step, which planSync takes in the jobs' order.
 */
async function planRepository(
  run: PlanRun,
  job: SyncJob,
  source: Endpoint,
  target: Endpoint,
): Promise<{ planned: PlannedRepository; blobs?: () => Promise<void> }> {
  const planned: PlannedRepository = { source: source.text, target: target.text, images: [], blobs: [] };
  let blobs: (() => Promise<void>) | undefined;
  await recordFailure(run, planned, async () => {
    if (source.kind === "oci" && target.kind === "registry") {
      await planLayoutSource(run, job, source, target, planned);
    } else if (source.kind === "registry" && target.kind === "oci") {
      blobs = await planLayoutTarget(run, job, source, target, planned);
    } else if (source.kind === "registry" && target.kind === "registry") {
      blobs = await planRegistries(run, job, source, target, planned);
    }
  });
  return { planned, ...(blobs ? { blobs } : {}) };
}

/** Runs a step of a repository's plan; with keepGoing, a registry's refusal fails the repository, not the run. */
async function recordFailure(
  run: PlanRun,
  planned: PlannedRepository,
  step: () => Promise<void>,
): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (!run.options.keepGoing || !recordable(error)) throw error;
    planned.error = failedWith(planned, error);
  }
}

async function planRegistries(
  run: PlanRun,
  job: SyncJob,
  source: Extract<Endpoint, { kind: "registry" }>,
  target: Extract<Endpoint, { kind: "registry" }>,
  planned: PlannedRepository,
): Promise<() => Promise<void>> {
  const { ctx, guard, signal } = run;
  const registry = source.repository.registry;
  // The target's tags are listed beside the source's (no added wait); for one named tag a HEAD is as cheap.
  const [listed, atTarget] = await Promise.all([
    registryTags(run, job, source),
    source.tag === undefined && source.digest === undefined ? targetTags(run, target.repository) : undefined,
  ]);
  const { missing, probe } = listed;
  // With `referrers`, the referrers' own tags wait: those the referrer copy carries are left out (plan-referrers.ts).
  const { images: tags, referrerTags } = splitReferrerTags(run.options, listed.tags);
  const absent = missingImages(run, source, target, missing);
  const platforms = job.platforms ?? run.options.platforms ?? "all";
  // One platform is that platform's image, as copy's `platform` (and a layout target) takes it; more keep an index,
  // rewritten to list them.
  const one = platforms !== "all" && platforms.length === 1 ? platforms[0] : undefined;
  const filter = platforms === "all" || one !== undefined ? undefined : platforms;
  // A target repository with no tags is taken as holding nothing: no HEAD of a manifest or (small) blob there.
  const fresh = atTarget?.size === 0;

  const planTag = async (tag: string, _i: number, s: AbortSignal): Promise<PlannedImage> => {
    const src = imageAt(source.repository, tag);
    const dst = imageAt(target.repository, tag);
    const image = plannedImage(tag, src.toString(), dst.toString());
    // A tag listed but gone by now (deleted meanwhile) is this image's failure.
    const gone = (error: unknown): never => {
      if (error instanceof NotFoundError) throw new NotFoundError(`${src.familiar()} does not exist`);
      throw error;
    };
    // The quota is read as the HEAD answers, before anyone waiting on it (headBeforeGet) goes on.
    const headSource = () =>
      headManifest(ctx, src, { signal: s }).then((head) => {
        guard.observe(registry, rateLimitFromHeaders(head.headers));
        return head;
      }, gone);
    try {
      // 1. HEAD both sides at once (free on Docker Hub), the quota read on the way. A tag the target's list
      // lacks is known missing there: its HEAD is left out, and so is the source's unless the quota needs it.
      const listedAtTarget = atTarget === undefined || atTarget.has(tag);
      const [head, targetDigest] = listedAtTarget
        ? await Promise.all([headSource(), digestAt(ctx, dst, s, targetActions(run.options))])
        : [await headBeforeGet(run, registry, headSource), undefined];
      if (head) image.sourceDigest = head.digest;
      if (targetDigest !== undefined) image.targetDigest = targetDigest;
      const chosen = (filter !== undefined || one !== undefined) && isIndexType(head?.mediaType);
      if (head && targetDigest === head.digest && !chosen) return image;
      // 2. GET what is to be copied (counted against a quota), after asking the guard; with one platform of an
      // index, the index and then that platform's image.
      const gets = one !== undefined && (head === undefined || chosen) ? 2 : 1;
      await guard.take(registry, gets, probe, s);
      const top = await getManifest(ctx, src, {
        signal: s,
        ...(one !== undefined ? { platform: one } : {}),
      }).catch(gone);
      count(run, registry, top.index ? 2 : 1);
      guard.observe(registry, rateLimitFromHeaders(top.headers));
      if (one !== undefined) {
        // A single image of another platform is refused, as copy refuses it; the image is up to date by its digest.
        if (!top.index) await checkAskedPlatforms(ctx, top, [one], s);
        image.sourceDigest = top.digest;
        if (top.digest === targetDigest) return image;
      }
      if (top.kind === "schema1") {
        throw new UnsupportedError(
          `${src.familiar()}: Docker schema 1 manifests cannot be pushed to current registries`,
        );
      }
      if (top.kind === "index") {
        const children = (top.manifest as { manifests?: unknown[] }).manifests?.length ?? 0;
        await guard.take(registry, children, probe, s);
      }
      const copy = await planCopy(ctx, src, dst, top, {
        filter,
        // Nothing to look up by digest in a repository with no tags (a manifest a killed run left there
        // untagged is put again, the same bytes).
        force: fresh,
        concurrency: Math.max(1, run.options.concurrency ?? DEFAULT_COPY_CONCURRENCY),
        signal: s,
        actions: targetActions(run.options),
      });
      count(run, registry, copy.children.filter((c) => !c.present).length);
      image.sourceDigest = top.digest;
      // With chosen platforms, up to date means the target names the rewritten index.
      if (filter && top.kind === "index" && computeDigest(copy.topBytes) === targetDigest) return image;
      image.action = "copy";
      image.blobs = copy.blobs.map((b) => b.digest);
      image.manifests = copy.manifests;
      run.state.work.set(image, {
        kind: "registry",
        source: src,
        target: dst,
        copy,
        mediaType: top.mediaType,
      });
      return image;
    } catch (error) {
      return failedImage(run, image, error);
    }
  };
  const images = await mapConcurrent(tags, run.width, planTag, signal);
  if (run.options.referrers) {
    const carried = await planReferrers(run, images, atTarget);
    // A referrer tag no copied subject carries (its subject not synced, or gone) is a tag like any other.
    const left = uncarriedReferrerTags(referrerTags, carried);
    for (const image of await mapConcurrent(left, run.width, planTag, signal)) images.push(image);
  }
  // mapConcurrent keeps the work attached to the objects it returned.
  planned.images = [...images, ...absent].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const descriptors = new Map<string, Descriptor>();
  for (const image of images) {
    const work = run.state.work.get(image);
    if (work?.kind === "registry") for (const b of work.copy.blobs) descriptors.set(b.digest, b);
  }
  const sameRegistry = registry === target.repository.registry;
  return async () => {
    planned.blobs = await planBlobs(
      run,
      target.repository,
      descriptors,
      () =>
        sameRegistry && source.repository.repository !== target.repository.repository ? "mount" : "upload",
      fresh,
    );
    run.state.descriptors.set(planned, descriptors);
  };
}

function totalsOf(run: PlanRun, repositories: PlannedRepository[]): SyncTotals {
  const zero = (): Record<BlobAction, number> => ({ skip: 0, mount: 0, upload: 0, foreign: 0 });
  const totals: SyncTotals = {
    repositories: repositories.length,
    images: { total: 0, copy: 0, skip: 0, failed: 0 },
    blobs: zero(),
    bytes: zero(),
    manifestGets: run.gets.all,
    quotaGets: [...run.gets.byRegistry]
      .filter(([registry]) => DOCKER_HUB.has(registry) || run.guard.limited(registry))
      .reduce((n, [, gets]) => n + gets, 0),
  };
  if (run.options.referrers) totals.referrers = { total: 0, copy: 0 };
  for (const repo of repositories) {
    // A repository the plan could not list is one failure, as the run's result counts it (an image with no tag).
    if (repo.error !== undefined) {
      totals.images.total++;
      totals.images.failed++;
    }
    for (const image of repo.images) {
      totals.images.total++;
      totals.images[image.action]++;
      if (totals.referrers && image.referrers) {
        totals.referrers.total += image.referrers.total;
        totals.referrers.copy += image.referrers.copy;
      }
    }
    for (const blob of repo.blobs) {
      totals.blobs[blob.action]++;
      totals.bytes[blob.action] += blob.size;
    }
  }
  return totals;
}

/**
 * Target tags that more than one source writes (two jobs into one repository with a tag in common, as skopeo's
 * format makes of `a/app` and `b/app` without `--scoped`): each run, whichever is copied last wins, so the mirror never
 * settles. skopeo has the same trap; a plan can see it before anything is written. Sorted by target.
 */
export function targetCollisions(
  plan: Pick<SyncPlan, "repositories">,
): { target: string; sources: string[] }[] {
  const sources = new Map<string, Set<string>>();
  for (const repository of plan.repositories) {
    for (const image of repository.images) {
      const set = sources.get(image.target) ?? new Set<string>();
      set.add(image.source);
      sources.set(image.target, set);
    }
  }
  return [...sources]
    .filter(([, from]) => from.size > 1)
    .map(([target, from]) => ({ target, sources: [...from].sort(byCodeUnit) }))
    .sort((a, b) => byCodeUnit(a.target, b.target));
}
