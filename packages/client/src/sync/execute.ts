/**
 * Executing a sync plan (plan.ts): the images to copy, `jobs` at a time, each through copy's own steps 2 and 3
 * (copy/blobs.ts: its blobs `concurrency` at a time; copy/manifests.ts: children, then the tag last), with the
 * manifests the plan fetched, so no manifest is fetched twice. Blobs are deduplicated across the run: a blob two
 * tags share is sent once per target repository, the second image waiting for the first's transfer, not sending it
 * again; a blob the plan mounts `from` another target repository of the run waits for that repository's transfer
 * too, then is mounted (or, declined, streamed from the source in the same session). No blob is HEADed here: the
 * plan did, or knew without. Everything goes through the one client, so one token per scope and one connection pool
 * per host.
 *
 * Resumable by construction: the registry is the state. Manifests go after their blobs and the tag last, so a sync
 * killed half-way leaves each tag either as it was or complete, and the next run's plan skips what is done.
 */
import { defaultMaxListeners, setMaxListeners } from "node:events";
import { AbortError, UsageError } from "@regatta/errors";
import { openImageSource } from "@regatta/layout";
import { parseReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { copyBlobs } from "../copy/blobs.js";
import { pushManifests } from "../copy/manifests.js";
import { DEFAULT_COPY_CONCURRENCY } from "../copy.js";
import { pullImages } from "../layout/pull.js";
import { pushImage } from "../layout/push.js";
import { mapConcurrent } from "../map-concurrent.js";
import { pushBlob } from "../push-blob.js";
import { ManifestLocks } from "./manifest-locks.js";
import { DEFAULT_SYNC_JOBS } from "./plan.js";
import { ReferrerCopies } from "./plan-referrers.js";
import { failedWith, type ImageWork, planState, recordable, syncFailure } from "./plan-run.js";
import type {
  PlannedImage,
  PlannedRepository,
  SyncedImage,
  SyncOptions,
  SyncPlan,
  SyncResult,
} from "./sync-types.js";

type Outcome = "uploaded" | "mounted" | "skipped" | "foreign";
type PlannedBlob = PlannedRepository["blobs"][number];

/** A piece of work run as one: an image, or (registry → layout) every image of a repository in one pull. */
interface Unit {
  images: PlannedImage[];
  run(signal: AbortSignal): Promise<Map<PlannedImage, string>>;
  /** What its images are when it succeeds: copied, or (an up-to-date image that only got referrers) skipped. */
  outcome?: "skipped";
}

/** Executes `plan`, made by `planSync` of the same client. */
export async function executeSync(
  ctx: ClientContext,
  plan: SyncPlan,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const state = planState(plan);
  if (!state) throw new UsageError("a sync plan is executed by the client that made it (planSync)");
  const started = Date.now();
  const jobs = Math.max(1, options.jobs ?? DEFAULT_SYNC_JOBS);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_COPY_CONCURRENCY);
  const verify = options.verify ?? true;
  const { onProgress } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const runSignal = controller.signal;
  // Every image and every blob in flight listens to it: jobs × concurrency of them is the design, not a leak.
  setMaxListeners(Math.max(defaultMaxListeners, jobs * concurrency * 4), runSignal);

  // Each blob of a target repository once: the first image to need it sends it, the others wait for that.
  const ledger = new Map<string, Promise<Outcome>>();
  const blobCounts = { uploaded: 0, mounted: 0, skipped: 0 };
  let bytesUploaded = 0;
  const once = (key: string, send: () => Promise<Outcome>): Promise<Outcome> => {
    let pending = ledger.get(key);
    if (!pending) {
      pending = send().then((outcome) => {
        if (outcome === "foreign") blobCounts.skipped++;
        else blobCounts[outcome]++;
        return outcome;
      });
      ledger.set(key, pending);
    }
    return pending;
  };

  // Tags sharing a digest, and images that are also an index's children, are put by concurrent jobs: kept apart.
  const locks = new ManifestLocks();
  // With `referrers`: each image's referrers after it, and how many each image got.
  const referrerCopies = new ReferrerCopies(ctx, locks);
  const referrersCopied = new Map<PlannedImage, number>();
  const copyReferrersOf = async (image: PlannedImage, digest: string, signal: AbortSignal) => {
    // What the plan counted decides (a plan made with `referrers`), as it does for images.
    if (!image.referrers?.copy) return;
    const n = await referrerCopies.copy(
      parseReference(image.source),
      parseReference(image.target),
      digest,
      signal,
    );
    referrersCopied.set(image, n);
  };

  // What the plan failed (kept with keepGoing): reported before anything runs, as failures during the run are.
  const planFailures = new Map<PlannedImage | PlannedRepository, SyncedImage>();
  for (const repo of plan.repositories) {
    for (const image of repo.images) {
      if (image.action !== "failed") continue;
      planFailures.set(
        image,
        failedAs(
          { source: image.source, target: image.target, tag: image.tag, outcome: "failed" },
          syncFailure(image) ?? image.error ?? "failed while planning",
        ),
      );
    }
    if (repo.error !== undefined) {
      planFailures.set(
        repo,
        failedAs(
          { source: repo.source, target: repo.target, tag: "", outcome: "failed" },
          syncFailure(repo) ?? repo.error,
        ),
      );
    }
  }
  for (const failure of planFailures.values()) options.onImage?.(failure);

  const units: Unit[] = [];
  for (const repo of plan.repositories) {
    const actions = new Map<string, PlannedBlob>(repo.blobs.map((b) => [b.digest, b]));
    const toLayout: PlannedImage[] = [];
    for (const image of repo.images) {
      // Up to date, but the target lacks some of its referrers: they alone are copied.
      if (image.action === "skip" && image.sourceDigest !== undefined && image.referrers?.copy) {
        const digest = image.sourceDigest;
        units.push({
          images: [image],
          outcome: "skipped",
          run: async (signal) => {
            await copyReferrersOf(image, digest, signal);
            return new Map([[image, digest]]);
          },
        });
      }
      if (image.action !== "copy") continue;
      const work = state.work.get(image);
      if (!work) throw new UsageError(`the plan holds no work for ${image.source}`);
      if (work.kind === "layout-target") {
        toLayout.push(image);
        continue;
      }
      units.push({
        images: [image],
        run: (signal) => runImage(work, image, actions, signal),
      });
    }
    if (toLayout.length) units.push({ images: toLayout, run: (signal) => runPull(toLayout, signal) });
  }

  /** Registry → registry, or layout → registry: the image's blobs through the ledger, then its manifests. */
  async function runImage(
    work: ImageWork,
    image: PlannedImage,
    actions: Map<string, PlannedBlob>,
    signal: AbortSignal,
  ): Promise<Map<PlannedImage, string>> {
    if (work.kind === "registry") {
      const { source, target, copy, mediaType } = work;
      const repo = target.repositoryOnly().name;
      await mapConcurrent(
        copy.blobs,
        concurrency,
        async (blob) => {
          const planned = actions.get(blob.digest);
          if (planned?.action === "skip" || planned?.action === "foreign") {
            // Nothing to send, but counted once per target repository, as the plan counted it ("already there").
            const outcome = planned.action === "foreign" ? "foreign" : "skipped";
            await once(`${repo}|${blob.digest}`, async () => outcome);
            return;
          }
          const from = planned?.from;
          await once(`${repo}|${blob.digest}`, async () => {
            // Mounted from another target of this run: once its transfer (if under way) is over. Should that have
            // failed or not started yet, the registry declines the mount and the bytes come from the source.
            if (from !== undefined)
              await ledger.get(`${target.registry}/${from}|${blob.digest}`)?.catch(() => {});
            // The plan HEADed the target already, or knew (force: no second HEAD); a mount falls back to a stream.
            const { copied, bytesUploaded: sent } = await copyBlobs(ctx, source, target, [blob], {
              concurrency: 1,
              force: true,
              verify,
              onProgress,
              signal: runSignal,
              ...(from !== undefined ? { mountFrom: from } : {}),
            });
            bytesUploaded += sent;
            return copied[0]?.outcome ?? "skipped";
          });
        },
        signal,
      );
      const { pushed } = await pushManifests(
        ctx,
        target,
        { children: copy.children, topBytes: copy.topBytes, mediaType },
        { onProgress, signal, hold: (digests, put) => locks.hold(repo, digests, put) },
      );
      await copyReferrersOf(image, pushed.digest, signal);
      return new Map([[image, pushed.digest]]);
    }
    if (work.kind !== "layout-source") throw new UsageError(`unexpected work for ${image.source}`);
    const repository = work.target.repositoryOnly();
    const opened = await openImageSource(work.dir, "oci");
    let manifests: string[] = [];
    try {
      const content = await opened.image(work.name);
      manifests = [content.top.digest, ...content.children.map((c) => c.digest)];
      await mapConcurrent(
        content.blobs,
        concurrency,
        async (blob) => {
          const planned = actions.get(blob.digest);
          if (planned?.action !== "upload" && planned?.action !== "mount") return;
          const from = planned.from === undefined ? undefined : `${repository.registry}/${planned.from}`;
          await once(`${repository.name}|${blob.digest}`, async () => {
            if (from !== undefined) await ledger.get(`${from}|${blob.digest}`)?.catch(() => {});
            // The plan HEADed the target already, or knew (force: no second HEAD).
            const result = await pushBlob(ctx, repository, blob.open, {
              digest: blob.digest,
              size: blob.size,
              force: true,
              ...(from !== undefined ? { mountFrom: from } : {}),
              signal: runSignal,
            });
            if (result.mounted) return "mounted";
            bytesUploaded += blob.size;
            return "uploaded";
          });
        },
        signal,
      );
    } finally {
      await opened.close();
    }
    // The blobs are there now: push() HEADs each, sends none, and puts the manifests as the layout's bytes.
    const pushed = await locks.hold(repository.name, manifests, () =>
      pushImage(ctx, work.dir, work.target, {
        format: "oci",
        name: work.name,
        concurrency,
        ...(onProgress ? { onProgress } : {}),
        signal,
      }),
    );
    return new Map([[image, pushed.digest]]);
  }

  /** Registry → layout: one pull of every image of the repository (blobs shared between tags fetched once). */
  async function runPull(images: PlannedImage[], signal: AbortSignal): Promise<Map<PlannedImage, string>> {
    const works = images.map(
      (image) => state?.work.get(image) as Extract<ImageWork, { kind: "layout-target" }>,
    );
    const first = works[0] as (typeof works)[number];
    // The plan read every manifest (asking the guard, counted): the pull fetches blobs only.
    const pulled = await pullImages(
      ctx,
      works.map((w) => w.source),
      first.dir,
      {
        format: "oci",
        ...(first.platform === "all" ? { platforms: "all" as const } : { platform: first.platform }),
        concurrency,
        ...(onProgress ? { onProgress } : {}),
        signal,
        resumeCommand: "sync",
        planned: works.map((w) => w.reference),
      },
    );
    blobCounts.uploaded += pulled.blobs.downloaded + pulled.blobs.resumed;
    blobCounts.skipped += pulled.blobs.cached;
    bytesUploaded += pulled.bytes.downloaded;
    return new Map(images.map((image, i) => [image, pulled.references[i]?.digest ?? ""]));
  }

  const done = new Map<PlannedImage, SyncedImage>();
  let stop: { error: unknown } | undefined;
  const record = (
    image: PlannedImage,
    outcome: SyncedImage["outcome"],
    extra: Omit<Partial<SyncedImage>, "error"> & { error?: unknown },
  ) => {
    const { error, ...rest } = extra;
    const base: SyncedImage = {
      source: image.source,
      target: image.target,
      tag: image.tag,
      outcome,
      ...rest,
    };
    const synced = error === undefined ? base : failedAs(base, error);
    done.set(image, synced);
    if (outcome !== "skipped" || synced.referrers) options.onImage?.(synced);
  };
  try {
    await mapConcurrent(
      units,
      jobs,
      async (unit) => {
        if (stop) return;
        try {
          const digests = await unit.run(runSignal);
          for (const image of unit.images) {
            const referrers = referrersCopied.get(image);
            record(image, unit.outcome ?? "copied", {
              digest: digests.get(image) ?? "",
              ...(referrers !== undefined ? { referrers } : {}),
            });
          }
        } catch (error) {
          // Stopped by the caller's interrupt, an image has not failed: it is not done (the run throws the interrupt,
          // and the caller counts what it left undone apart from the failures).
          if (options.signal?.aborted) {
            stop ??= { error };
            return;
          }
          // Cut short by the stop after another image's failure: not failed either, and not done.
          if (stop && error instanceof AbortError) return;
          for (const image of unit.images) record(image, "failed", { error });
          if (!options.keepGoing || !recordable(error)) {
            stop ??= { error };
            // The others stop with an abort of their own, never with this image's error: a request of theirs cut
            // short would carry it (the transport reports an abort by its reason), and they would be reported failed
            // with a failure that is not theirs (a PUT of another tag's manifest "lacking" this image's blob).
            const failed = unit.images.map((image) => image.source).join(", ");
            controller.abort(new AbortError(`stopped after ${failed} failed`, { cause: error }));
          }
        }
      },
      runSignal,
    );
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (stop) throw stop.error;

  const images: SyncedImage[] = [];
  for (const repo of plan.repositories) {
    for (const image of repo.images) {
      const synced = done.get(image);
      if (synced) images.push(synced);
      else if (image.action === "skip") {
        images.push({
          source: image.source,
          target: image.target,
          tag: image.tag,
          outcome: "skipped",
          ...(image.sourceDigest !== undefined ? { digest: image.sourceDigest } : {}),
        });
      } else {
        const failure = planFailures.get(image);
        if (failure) images.push(failure);
      }
    }
    const failure = planFailures.get(repo);
    if (failure) images.push(failure);
  }
  const by = (o: SyncedImage["outcome"]) => images.filter((i) => i.outcome === o).length;
  return {
    plan,
    images,
    copied: by("copied"),
    skipped: by("skipped"),
    failed: by("failed"),
    blobs: blobCounts,
    bytesUploaded,
    seconds: (Date.now() - started) / 1000,
    ...(plan.totals.referrers ? { referrers: [...referrersCopied.values()].reduce((a, b) => a + b, 0) } : {}),
  };
}

/** `image` with `error` as its `error` text, the error itself kept for {@link syncFailure}. */
function failedAs(image: SyncedImage, error: unknown): SyncedImage {
  image.error = typeof error === "string" ? error : failedWith(image, error);
  return image;
}
