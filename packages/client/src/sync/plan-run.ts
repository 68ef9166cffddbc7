/**
 * What the planning of every repository of one sync shares (plan.ts, layout-ends.ts): the run, the plan's hidden
 * half that execution reads, and small steps used by both.
 */
import { PUSH_ACTIONS } from "@regatta/auth";
import { AbortError, NotFoundError, RegattaError, UsageError } from "@regatta/errors";
import type { PlannedReference } from "@regatta/layout";
import { type Descriptor, DOCKER_FOREIGN_LAYER } from "@regatta/manifest";
import type { Reference, RepositoryReference } from "@regatta/reference";
import { BlobHandle } from "../blob-handle.js";
import type { ClientContext } from "../context.js";
import type { CopyPlan } from "../copy/plan.js";
import { allTags } from "../list-tags.js";
import { mapConcurrent } from "../map-concurrent.js";
import { type Endpoint, endpointTag, imageAt } from "./endpoints.js";
import { type RateLimitInfo, readRateLimit } from "./rate-limit.js";
import { type RateLimitGuard, RateLimitLowError } from "./rate-limit-guard.js";
import type {
  BlobAction,
  PlannedImage,
  PlannedRepository,
  SyncedImage,
  SyncJob,
  SyncOptions,
  SyncPlan,
  TagFilter,
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
  | {
      kind: "layout-target";
      dir: string;
      source: Reference;
      platform: string | "all";
      /** The image read whole by the plan: the pull fetches no manifest again. */
      reference: PlannedReference;
    };

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

/**
 * The token actions of the plan's looks at a destination (HEADs of its manifests): `pull` for a dry run, which only
 * reads it; else the push's, as the run's uploads ask (one token serves both, and a refusal names the push).
 */
export function targetActions(options: SyncOptions): readonly string[] {
  return options.dryRun ? ["pull"] : PUSH_ACTIONS;
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
  /**
   * Per source registry, the first source HEAD of the run (settled): until it has answered, nobody knows whether the
   * registry announces a pull quota, so every manifest GET there waits for it (see {@link headBeforeGet}).
   */
  quotaSeen: Map<string, Promise<void>>;
  /**
   * The run's known blobs per target registry: digest → the first target repository of this run planned to hold it
   * and what its plan said. Another repository of the run mounts from there instead of asking the target again.
   */
  blobHomes: Map<string, Map<string, { repository: string; action: BlobAction }>>;
}

/** Docker Hub, whose quota applies whether or not a response said so yet. */
export const DOCKER_HUB = new Set(["docker.io", "registry-1.docker.io", "index.docker.io"]);

/**
 * Blobs at most this large are not HEADed in a target repository that is new (its tag list empty or unknown to the
 * registry): they are sent, and if one is there after all (a sync killed before its first tag, which left blobs and
 * no tag), the registry takes the same bytes again and keeps one copy. A HEAD costs a round trip for every blob of
 * every fresh image; sending a blob that was there costs its bytes, and only when resuming. At 1 MiB the two are
 * about even on a 50 ms, 100 Mbit/s link (1 MiB takes ~80 ms); over it, the HEAD is the cheaper bet, so a large
 * layer is still asked about and a resumed sync of large images re-sends none of them.
 */
export const NEW_REPOSITORY_HEAD_LIMIT = 1024 * 1024;

/** The tags a job takes from what the source has: its filter, and the one tag a `repo:tag` or `oci:DIR:tag` source names. */
export function jobTags(job: SyncJob, source: Endpoint, available: readonly string[]) {
  // The tag a `repo:tag` (or `oci:DIR:tag`) source names, narrowed by the job's filters (not replacing them).
  const filter: TagFilter =
    source.tag !== undefined
      ? { list: [source.tag], ...(job.tags ? { allOf: [job.tags] } : {}) }
      : (job.tags ?? {});
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
  const probe = (name: string | undefined) => () =>
    readRateLimit(ctx, imageAt(source.repository, name ?? "latest"), sig(signal));
  // An image by digest is that image: no tag list, and no tag filter applies to it (a digest is no tag).
  if (source.digest !== undefined) {
    if ((job.platforms ?? run.options.platforms ?? "all") !== "all") {
      throw new UsageError(
        `${source.text}@${source.digest} is copied by its digest, which a platform selection would change: copy it whole, or name a tag`,
      );
    }
    return { tags: [source.digest], missing: [], probe: probe(source.digest) };
  }
  const available =
    source.tag !== undefined ? [source.tag] : await allTags(ctx, source.repository, sig(signal));
  const { tags, missing } = jobTags(job, source, available);
  return { tags, missing, probe: probe(tags[0]) };
}

/**
 * The tags the target repository has now, listed (all pages) while the source's are: a tag not in it is known
 * missing, so neither its HEAD by tag nor (for an empty or unknown repository) any HEAD there is needed. An unknown
 * repository (404, NAME_UNKNOWN) is an empty set; a list the registry refuses (no list permission, an error) is
 * undefined, and the plan asks by HEAD as it would without the list.
 */
export async function targetTags(
  run: PlanRun,
  target: RepositoryReference,
): Promise<Set<string> | undefined> {
  try {
    return new Set(await allTags(run.ctx, target, sig(run.signal)));
  } catch (error) {
    if (error instanceof NotFoundError) return new Set();
    if (error instanceof AbortError || run.signal?.aborted) throw error;
    return undefined;
  }
}

/**
 * The source HEAD that must come before a GET of a manifest the target is known to lack, or undefined when none is
 * needed. Such a HEAD decides nothing (the manifest is fetched either way); it only lets the rate-limit guard read
 * the quota before the GET, which matters where there is one. So the first such image of a run at each registry
 * HEADs, and the others wait for that answer: a registry that announced a quota (or Docker Hub) is HEADed before
 * every GET, as always; any other gets its GETs straight away.
 */
export async function headBeforeGet<T>(
  run: PlanRun,
  registry: string,
  head: () => Promise<T>,
): Promise<T | undefined> {
  const seen = run.quotaSeen.get(registry);
  if (seen === undefined) {
    const first = head();
    run.quotaSeen.set(
      registry,
      first.then(
        () => undefined,
        () => undefined,
      ),
    );
    return first;
  }
  await seen;
  return DOCKER_HUB.has(registry) || run.guard.limited(registry) ? head() : undefined;
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
  return tags.map((tag) =>
    failedImage(
      run,
      plannedImage(tag, endpointTag(source, tag), endpointTag(target, tag)),
      new NotFoundError(`${endpointTag(source, tag)} does not exist`, { code: "MANIFEST_UNKNOWN" }),
    ),
  );
}

/** Why each failed image or repository of a plan or run failed: the typed error behind its `error` text. */
const failures = new WeakMap<object, unknown>();

/** Records `error` as why `item` failed (see {@link syncFailure}); returns the text its `error` field keeps. */
export function failedWith(item: object, error: unknown): string {
  failures.set(item, error);
  return messageOf(error);
}

/**
 * The error behind a failed image or repository of a plan or a run this client made (a typed RegattaError, so a
 * caller can tell a missing tag from a refusal, as the CLI's exit status does), undefined for anything else (one read
 * back from JSON, whose `error` is text).
 */
export function syncFailure(item: PlannedImage | PlannedRepository | SyncedImage): unknown {
  return failures.get(item);
}

/** An image planned as failed when keepGoing allows (its error kept, see {@link syncFailure}), else the error thrown. */
export function failedImage(run: PlanRun, image: PlannedImage, error: unknown): PlannedImage {
  if (!run.options.keepGoing || !recordable(error)) throw error;
  const failed: PlannedImage = { ...image, action: "failed", blobs: [], manifests: 0 };
  failed.error = failedWith(failed, error);
  return failed;
}

/**
 * Each distinct blob once, looked up at the target: `skip` when it has it, `foreign` for a Docker foreign layer
 * (never copied), else what `missing` says (mount or upload). Sorted by digest. Fewer requests where the run knows
 * the answer already:
 * - a blob another target repository of the run (same registry) holds or will hold is mounted from there
 *   (`from`), as regclient and crane mount base layers; a blob the same target repository was planned for by an
 *   earlier job keeps that job's action (execution sends it once);
 * - in a `fresh` target repository (its tag list empty or 404) a mount is made without a HEAD (a mount of a blob
 *   that is there is one request too, and harmless), and so is the upload of a blob of at most
 *   {@link NEW_REPOSITORY_HEAD_LIMIT} bytes (see there why).
 */
export async function planBlobs(
  run: PlanRun,
  target: RepositoryReference,
  descriptors: Map<string, Pick<Descriptor, "digest" | "size" | "mediaType" | "urls">>,
  missing: (blob: Pick<Descriptor, "digest" | "size">) => BlobAction,
  fresh = false,
): Promise<PlannedRepository["blobs"]> {
  const blobs = [...descriptors.values()].sort((a, b) => (a.digest < b.digest ? -1 : 1));
  const known = run.blobHomes.get(target.registry) ?? new Map();
  run.blobHomes.set(target.registry, known);
  const planned = await mapConcurrent(
    blobs,
    run.width,
    async (blob, _i, s): Promise<PlannedRepository["blobs"][number]> => {
      const entry = { digest: blob.digest, size: blob.size };
      if (blob.mediaType === DOCKER_FOREIGN_LAYER && blob.urls?.length)
        return { ...entry, action: "foreign" };
      const home = known.get(blob.digest);
      if (home?.repository === target.repository) return { ...entry, action: home.action };
      const otherwise = home
        ? ({ action: "mount", from: home.repository } as const)
        : ({ action: missing(blob) } as const);
      if (fresh && (otherwise.action === "mount" || blob.size <= NEW_REPOSITORY_HEAD_LIMIT)) {
        return { ...entry, ...otherwise };
      }
      const there = await new BlobHandle(run.ctx, target, blob.digest).exists({ signal: s });
      return there ? { ...entry, action: "skip" } : { ...entry, ...otherwise };
    },
    run.signal,
  );
  // Recorded in digest order after the lookups, so the plan is the same however the HEADs interleave.
  for (const blob of planned) {
    if (blob.action !== "foreign" && !known.has(blob.digest)) {
      known.set(blob.digest, { repository: target.repository, action: blob.action });
    }
  }
  return planned;
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
