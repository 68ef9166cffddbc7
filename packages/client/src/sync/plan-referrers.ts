/**
 * `sync --referrers`, planned (plan.ts) and run (execute.ts): each image's referrers, every level (referrer-tree.ts),
 * and, for an index, those of every manifest it lists (subjectTrees), counted at the source and looked up at the target, so the plan says how many are to copy and an up-to-date image
 * whose referrers are missing at the target still gets them (resumable: the registry is the state, as for images).
 * The copy itself is copy-referrers.ts, the same as `copy --referrers`.
 *
 * A referrer is present at the target when its manifest is there by digest (cosign's: when its tag names it). One
 * killed between a referrer's copy and its fallback index update is counted present; the next `copy --referrers` of
 * that image (or a sync of a new digest) mends the index, as addToFallbackIndex writes only what is missing.
 */
import { UsageError } from "@regatta/errors";
import { parseReference, type Reference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { digestAt } from "../copy/plan.js";
import { mapConcurrent } from "../map-concurrent.js";
import { copyReferrers } from "../referrers/copy-referrers.js";
import { type ReferrerNode, subjectTrees } from "../referrers/referrer-tree.js";
import type { Endpoint } from "./endpoints.js";
import type { ManifestLocks } from "./manifest-locks.js";
import { messageOf, type PlanRun, recordable, targetActions } from "./plan-run.js";
import type { PlannedImage, SyncJob, SyncOptions } from "./sync-types.js";

/**
 * The tags referrers live under: the referrers tag schema's `sha256-<hex>` and cosign's `sha256-<hex>.sig|.att|.sbom`
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#referrers-tag-schema). With `referrers`
 * those of a subject whose referrers are copied (a synced image, a manifest its index lists, a referrer walked below
 * them) travel with it, so a sync leaves them out of the tags it copies as images: copied as tags, they would be
 * copied twice, and a target with the referrers API would get a stale fallback index it never reads. Any other (a
 * subject not synced, or gone) is synced as a tag, as without `referrers`: the option never copies fewer tags.
 */
const REFERRER_TAG = /^(sha256)-([0-9a-f]{64})(?:\.(?:sig|att|sbom))?$/;

/** `tags` split, when referrers are synced with their subjects, into images and the referrers' own tags. */
export function splitReferrerTags(
  options: SyncOptions,
  tags: string[],
): { images: string[]; referrerTags: string[] } {
  if (!options.referrers) return { images: tags, referrerTags: [] };
  return {
    images: tags.filter((tag) => !REFERRER_TAG.test(tag)),
    referrerTags: tags.filter((tag) => REFERRER_TAG.test(tag)),
  };
}

/** The referrer tags of `tags` whose subject is not in `carried`: no referrer copy carries them. */
export function uncarriedReferrerTags(tags: string[], carried: ReadonlySet<string>): string[] {
  return tags.filter((tag) => {
    const m = REFERRER_TAG.exec(tag);
    return m === null || !carried.has(`${m[1]}:${m[2]}`);
  });
}

/** `referrers` needs a registry at both ends and whole images: refused before any request otherwise. */
export function checkReferrersJob(
  options: SyncOptions,
  job: SyncJob,
  source: Endpoint,
  target: Endpoint,
): void {
  if (!options.referrers) return;
  if (source.kind !== "registry" || target.kind !== "registry") {
    throw new UsageError(`${job.source} to ${job.target}: referrers are synced between registries only`);
  }
  const platforms = job.platforms ?? options.platforms ?? "all";
  if (platforms !== "all") {
    throw new UsageError(
      "referrers name the source's digest: sync whole images (no platform selection) to carry them",
    );
  }
}

/**
 * Counts the referrers of each planned image (not failed) and of the manifests its index lists, and those its target
 * lacks, into `image.referrers`. A failure is the image's (recorded with keepGoing, as the plan's other failures).
 * `atTarget`, the target's tags when listed, answers without a HEAD: a cosign tag it lacks is missing, and so is
 * everything in a repository with none. Resolves to the digests whose referrers were listed: their referrer tags
 * are carried by the referrer copy.
 */
export async function planReferrers(
  run: PlanRun,
  images: PlannedImage[],
  atTarget?: ReadonlySet<string>,
): Promise<Set<string>> {
  const { ctx } = run;
  const carried = new Set<string>();
  await mapConcurrent(
    images.filter((image) => image.action !== "failed" && image.sourceDigest !== undefined),
    run.width,
    async (image, _i, signal) => {
      try {
        const source = parseReference(image.source).withDigest(image.sourceDigest as string);
        const target = parseReference(image.target).repositoryOnly();
        const listed: string[] = [];
        const work = run.state.work.get(image);
        const { top, children } = await subjectTrees(ctx, source, {
          signal,
          onListed: (digest) => listed.push(digest),
          ...(work?.kind === "registry" ? { mediaType: work.mediaType } : {}),
        });
        let total = 0;
        let copy = 0;
        const visit = async (nodes: readonly ReferrerNode[]): Promise<void> => {
          for (const node of nodes) {
            total++;
            const byTag = node.source === "cosign-tag" && node.tag !== undefined ? node.tag : undefined;
            const known =
              atTarget !== undefined &&
              (atTarget.size === 0 || (byTag !== undefined && !atTarget.has(byTag)));
            const at = byTag !== undefined ? target.withTag(byTag) : target.withDigest(node.digest);
            if (known || (await digestAt(ctx, at, signal, targetActions(run.options))) !== node.digest)
              copy++;
            await visit(node.referrers);
          }
        };
        for (const tree of [top, ...children]) await visit(tree.referrers);
        image.referrers = { total, copy };
        for (const digest of listed) carried.add(digest);
      } catch (error) {
        if (!run.options.keepGoing || !recordable(error)) throw error;
        run.state.work.delete(image);
        Object.assign(image, { action: "failed", blobs: [], manifests: 0, error: messageOf(error) });
      }
    },
    run.signal,
  );
  return carried;
}

/**
 * Copies the referrers of one synced image, once per target repository and digest (tags that share a digest share
 * its referrers), holding the subject's digest in `locks`: the fallback index PUT names manifests another job may be
 * putting, which distribution checks non-atomically (manifest-locks.ts). Resolves to the referrers copied by this
 * call (0 for a second tag of the same digest).
 */
export class ReferrerCopies {
  private readonly started = new Map<string, Promise<number>>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly locks: ManifestLocks,
  ) {}

  async copy(source: Reference, target: Reference, digest: string, signal: AbortSignal): Promise<number> {
    const repository = target.repositoryOnly().name;
    const key = `${repository}|${digest}`;
    const pending = this.started.get(key);
    if (pending) {
      await pending;
      return 0;
    }
    const copying = this.locks
      .hold(repository, [digest], () =>
        copyReferrers(this.ctx, source.withDigest(digest), target.withDigest(digest), { signal }),
      )
      .then((result) => result.copied.length);
    this.started.set(key, copying);
    return copying;
  }
}
