/**
 * What the planning of every repository of one sync shares (plan.ts, layout-ends.ts): the run, the plan's hidden
 * half that execution reads, and small steps used by both.
 */
import { AbortError, NotFoundError, RegattaError, UsageError } from "@regatta/errors";
import { type Descriptor, DOCKER_FOREIGN_LAYER } from "@regatta/manifest";
import type { Reference, RepositoryReference } from "@regatta/reference";
import { BlobHandle } from "../blob-handle.js";
import type { ClientContext } from "../context.js";
import type { CopyPlan } from "../copy/plan.js";
import { allTags } from "../list-tags.js";
import { mapConcurrent } from "../map-concurrent.js";
import { type Endpoint, endpointTag } from "./endpoints.js";
import { type RateLimitInfo, readRateLimit } from "./rate-limit.js";
import { type RateLimitGuard, RateLimitLowError } from "./rate-limit-guard.js";
import type {
  BlobAction,
  PlannedImage,
  PlannedRepository,
  SyncJob,
  SyncOptions,
  SyncPlan,
} from "./sync-types.js";
import { selectSyncTags } from "./tag-selection.js";

/** What execution needs of a planned image and the plan does not show (bytes, parsed descriptors). */
export type ImageWork =
  | {
      kind: "registry";
      source: Reference;
      target: Reference;
      copy: CopyPlan;
      mediaType: string;
    }
  | { kind: "layout-source"; dir: string; name: string; target: Reference }
  | { kind: "layout-target"; dir: string; source: Reference; platform: string | "all" };

/** The plan's hidden half: each planned image's work, the guard that watched the quota, the blob descriptors. */
export interface PlanState {
  work: WeakMap<PlannedImage, ImageWork>;
  descriptors: WeakMap<PlannedRepository, Map<string, Descriptor>>;
  guard: RateLimitGuard;
}
export const states = new WeakMap<SyncPlan, PlanState>();

/** The hidden half of a plan made by {@link planSync}; undefined for a plan that was not (one read from JSON). */
export function planState(plan: SyncPlan): PlanState | undefined {
  return states.get(plan);
}

/** Shared by the planning of every repository of one plan. */
export interface PlanRun {
  ctx: ClientContext;
  options: SyncOptions;
  guard: RateLimitGuard;
  state: PlanState;
  /** Requests in flight while planning (HEADs, GETs). */
  width: number;
  gets: { all: number; byRegistry: Map<string, number> };
  signal: AbortSignal | undefined;
}

/** The tags a job takes from what the source has: its filter, and the one tag a `repo:tag` source names. */
export function jobTags(job: SyncJob, source: Endpoint, available: readonly string[]) {
  const filter = { ...job.tags };
  if (source.kind === "registry" && source.tag !== undefined) filter.list = [source.tag];
  return selectSyncTags(available, filter);
}

/**
 * The tags a registry source gives a job (listed, all pages; or the one a `repo:tag` source names) and a probe
 * that reads its quota again (a HEAD) for the rate-limit guard.
 */
export async function registryTags(
  run: PlanRun,
  job: SyncJob,
  source: Extract<Endpoint, { kind: "registry" }>,
): Promise<{ tags: string[]; missing: string[]; probe: () => Promise<RateLimitInfo | undefined> }> {
  const { ctx, signal } = run;
  const available =
    source.tag !== undefined ? [source.tag] : await allTags(ctx, source.repository, sig(signal));
  const { tags, missing } = jobTags(job, source, available);
  const probe = () => readRateLimit(ctx, source.repository.withTag(tags[0] ?? "latest"), sig(signal));
  return { tags, missing, probe };
}

/** A new image of the plan, up to date until found otherwise. */
export function plannedImage(tag: string, source: string, target: string): PlannedImage {
  return { tag, source, target, action: "skip", blobs: [], manifests: 0 };
}

/** Whether a HEAD's media type is an index (OCI) or a manifest list (Docker). */
export const isIndexType = (mediaType: string | undefined) =>
  mediaType !== undefined && /manifest\.list|image\.index/.test(mediaType);

/**
 * The images a job names that the source lacks: each a failure of that image with keepGoing, else the plan stops
 * (NotFoundError) before anything is written, as a copy of a missing tag would.
 */
export function missingImages(
  run: PlanRun,
  source: Endpoint,
  target: Endpoint,
  tags: string[],
): PlannedImage[] {
  const first = tags[0];
  if (first !== undefined && !run.options.keepGoing) {
    throw new NotFoundError(`${endpointTag(source, first)} does not exist`, { code: "MANIFEST_UNKNOWN" });
  }
  return tags.map((tag) => ({
    ...plannedImage(tag, endpointTag(source, tag), endpointTag(target, tag)),
    action: "failed" as const,
    error: `${endpointTag(source, tag)} does not exist`,
  }));
}

/**
 * Each distinct blob once, looked up at the target: `skip` when it has it, `foreign` for a Docker foreign layer
 * (never copied), else what `missing` says (mount or upload). Sorted by digest.
 */
export async function planBlobs(
  run: PlanRun,
  target: RepositoryReference,
  descriptors: Map<string, Pick<Descriptor, "digest" | "size" | "mediaType" | "urls">>,
  missing: (blob: Pick<Descriptor, "digest" | "size">) => BlobAction,
): Promise<PlannedRepository["blobs"]> {
  const blobs = [...descriptors.values()].sort((a, b) => (a.digest < b.digest ? -1 : 1));
  return mapConcurrent(
    blobs,
    run.width,
    async (blob, _i, s) => {
      let action: BlobAction;
      if (blob.mediaType === DOCKER_FOREIGN_LAYER && blob.urls?.length) action = "foreign";
      else
        action = (await new BlobHandle(run.ctx, target, blob.digest).exists({ signal: s }))
          ? "skip"
          : missing(blob);
      return { digest: blob.digest, size: blob.size, action };
    },
    run.signal,
  );
}

/** Counts a manifest GET at a source registry. */
export function count(run: PlanRun, registry: string, n: number): void {
  run.gets.all += n;
  run.gets.byRegistry.set(registry, (run.gets.byRegistry.get(registry) ?? 0) + n);
}

/** Failures a sync with keepGoing records and carries on after: a registry's answer, not an abort or a quota stop. */
export function recordable(error: unknown): boolean {
  if (!(error instanceof RegattaError)) return false;
  return !(error instanceof AbortError || error instanceof RateLimitLowError || error instanceof UsageError);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const sig = (signal: AbortSignal | undefined) => (signal ? { signal } : {});
