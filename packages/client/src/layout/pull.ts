/**
 * `reg.pull(ref, dest)`: an image from a registry to disk, as a docker archive, an OCI layout or a plain directory.
 * The references are resolved first (an index to the requested platform, or kept whole), then the blobs download
 * several at a time, verified as they stream, into the writer's places; the writer finishes last (manifests,
 * index.json, the rename of a tarball), so an interrupted pull leaves nothing under a final name that is not whole,
 * and the next pull of the same images resumes it.
 */
import { rm, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { quotePath, quoteText, UsageError } from "@regatta/errors";
import {
  fileSystemError,
  guessPullFormat,
  isDiskFull,
  type LayoutFormat,
  openLayoutWriter,
  type PlannedBlob,
  type PlannedReference,
  partialDownloads,
  resumeDataPaths,
} from "@regatta/layout";
import type { Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { blobLimit, mapConcurrent } from "../map-concurrent.js";
import type { OnTransferProgress, TransferBlob } from "../transfer-events.js";
import { type BlobOutcome, fetchBlob } from "./blob-fetch.js";
import { planPull, pullPlanOf } from "./pull-plan.js";

export interface PullOptions {
  /** `docker` (docker save tarball), `oci` (OCI image layout) or `dir` (manifest + blobs/). Default: guessed. */
  format?: LayoutFormat;
  /** Platform to pick from an index (`os/arch[/variant]`). Default: the client's, normally the host's. */
  platform?: string;
  /** `"all"`: keep indexes whole, with every platform (oci and dir formats). */
  platforms?: "all";
  /**
   * The name (ref.name) the one reference is stored under in an OCI layout (or the OCI index of a docker archive)
   * instead of its tag: skopeo's `oci:DIR:NAME`. Only with a single reference.
   */
  name?: string;
  /** Blobs downloaded at once. Default: the client's concurrency (8). */
  concurrency?: number;
  /** `fdatasync` files before renaming them into place (survives a power cut, costs disk time). Default false. */
  sync?: boolean;
  /** The plan, each blob (`started` from byte N when resumed, `skipped` when already on disk), then each manifest written. */
  onProgress?: OnTransferProgress;
  signal?: AbortSignal;
}

/** Internal to the client: the command a person runs again to resume an interrupted download (default `pull`). */
interface PullRunOptions extends PullOptions {
  /** Named in the failure's note: `sync` into a layout says `sync`. */
  resumeCommand?: string;
  /**
   * The references resolved already (planReference), one per reference in the same order: nothing is fetched
   * again. Sync's plan into a layout reads them to list the blobs, and its run pulls with them.
   */
  planned?: PlannedReference[];
}

/** What one reference turned into. */
export interface PulledReference {
  reference: string;
  /** Digest of what is stored under the reference: the index with `platforms: "all"`, else the image manifest. */
  digest: string;
  mediaType: string;
  /** The index a platform was picked from (both digests are reported, as ocidist does). */
  index?: { digest: string; mediaType: string };
  platform?: string;
  /** With `platforms: "all"`: the platforms stored. */
  platforms?: string[];
}

export interface PullResult {
  format: LayoutFormat;
  /** The path written, or `-` for a stream. */
  destination: string;
  references: PulledReference[];
  blobs: { total: number; downloaded: number; resumed: number; cached: number };
  /** Bytes of all blobs, and bytes fetched from the network by this pull. */
  bytes: { total: number; downloaded: number };
}

function blobInfo(b: PlannedBlob): TransferBlob {
  return { digest: b.digest, size: b.size, mediaType: b.mediaType, kind: b.kind };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * After a failed pull, nothing is left half-written without the user being told (issue 10). On a full disk the
 * partial download is what fills it, so it is removed (with the destination directory, when this pull created it).
 * Otherwise it stays for the next pull to resume, and the error says where it is, so it can be found and deleted.
 * Only a pull that held the destination's lock (its writer opened) says or removes anything: one that failed or was
 * interrupted while it waited for another live pull's lock would name that pull's partial download, still being
 * written, as its own to resume or delete. A raw file-system error becomes a {@link FileSystemError} naming the
 * destination.
 */
async function afterFailure(
  error: unknown,
  format: LayoutFormat,
  destination: string,
  existed: boolean,
  wrote: boolean,
  command: string,
): Promise<unknown> {
  const failure = fileSystemError(error, destination);
  if (!wrote) return failure;
  const held = resumeDataPaths(format, destination);
  // Only a partial download that is there is said to be kept: not a FIFO or link someone planted at its name.
  const present = await partialDownloads(format, destination);
  let note: string | undefined;
  if (isDiskFull(failure)) {
    if (!existed && format !== "docker") await rm(destination, { recursive: true, force: true });
    for (const path of held) await rm(path, { recursive: true, force: true });
    if (present.length || !existed) note = "the partial download was removed";
  } else if (present.length) {
    note = `the partial download is kept in ${quotePath(present[0] as string)}: run the same ${command} again to resume it, or delete it`;
  }
  if (note && failure instanceof Error) failure.message = `${failure.message} (${note})`;
  return failure;
}

/** Pulls `references` into `destination` (a path, or a writable stream for a docker archive). */
export async function pullImages(
  ctx: ClientContext,
  input: ReferenceInput | ReferenceInput[],
  destination: string | Writable,
  options: PullRunOptions = {},
): Promise<PullResult> {
  const references: Reference[] = (Array.isArray(input) ? input : [input]).map((r) => toReference(ctx, r));
  if (references.length === 0) throw new UsageError("pull needs at least one reference");
  if (options.platforms !== undefined && options.platforms !== "all") {
    throw new UsageError(`platforms must be "all", got ${quoteText(options.platforms)}`);
  }
  if (options.platforms === "all" && options.platform !== undefined) {
    throw new UsageError("give a platform or all platforms, not both");
  }
  if (options.name !== undefined && references.length !== 1) {
    throw new UsageError("a name for the stored image goes with one reference, not several");
  }
  const format = options.format ?? (await guessPullFormat(destination));
  if (options.platforms === "all" && format === "docker") {
    throw new UsageError(
      "a docker archive holds one platform per image: use --format oci (or dir) to keep every platform",
    );
  }
  const concurrency = Math.max(1, options.concurrency ?? ctx.concurrency);
  // One signal for everything: the caller's, or a failure of the writer (a closed stdout) stops the downloads.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const existed = typeof destination === "string" && (await exists(destination));
  // Set once the writer holds the destination's lock: until then the partial download there is not this pull's.
  let opened = false;
  try {
    const planned = options.planned
      ? pullPlanOf(options.planned)
      : await planPull(ctx, references, {
          platform: options.platforms === "all" ? "all" : (options.platform ?? ctx.platform),
          ...((options.platform ?? ctx.chosenPlatform) !== undefined
            ? { asked: (options.platform ?? ctx.chosenPlatform) as string }
            : {}),
          concurrency,
          signal: controller.signal,
        });
    const name = options.name;
    const plan =
      name === undefined
        ? planned
        : { ...planned, references: planned.references.map((r) => ({ ...r, name })) };
    const emit = options.onProgress ?? (() => {});
    const writer = await openLayoutWriter(format, destination, plan, {
      sync: options.sync ?? false,
      onFatal: (error) => controller.abort(error),
      ...(typeof destination === "string"
        ? {
            onWait: (holder: number, lock: string) => emit({ type: "waiting", destination, holder, lock }),
            onReaderWait: () => emit({ type: "waiting", destination, reader: true }),
            signal: controller.signal,
          }
        : {}),
    });
    opened = true;
    const size = plan.blobs.reduce((n, b) => n + b.size, 0);
    emit({ type: "plan", blobs: plan.blobs.map(blobInfo), bytes: size, manifests: plan.references.length });
    const counts = { downloaded: 0, resumed: 0, cached: 0 };
    let network = 0;
    try {
      const outcomes = await mapConcurrent(
        plan.blobs,
        blobLimit(concurrency),
        async (blob, _i, signal): Promise<BlobOutcome> => {
          const info = blobInfo(blob);
          let transferred = 0;
          const outcome = await fetchBlob(
            ctx,
            blob.repository,
            { digest: blob.digest, size: blob.size, target: writer.target(blob) },
            {
              signal,
              onStart(offset) {
                transferred = offset;
                emit({ type: "blob", state: "started", ...info, bytes: transferred });
              },
              onBytes(bytes) {
                transferred += bytes;
                network += bytes;
                emit({ type: "blob", state: "bytes", ...info, bytes: transferred });
              },
            },
          );
          emit(
            outcome === "cached"
              ? { type: "blob", state: "skipped", ...info, bytes: 0 }
              : { type: "blob", state: "done", ...info, bytes: blob.size },
          );
          return outcome;
        },
        controller.signal,
      );
      for (const o of outcomes) counts[o]++;
      await writer.finish();
      for (const p of plan.references) {
        emit({
          type: "manifest",
          state: "written",
          digest: p.top.digest,
          mediaType: p.top.mediaType,
          reference: p.reference.toString(),
        });
      }
    } catch (error) {
      // The writer's own failure (a closed stdout) is the cause when it stopped the downloads; read it before
      // abort(), whose "pull aborted" would otherwise stand in for the real error (a full spool disk).
      const fatal =
        controller.signal.aborted && !options.signal?.aborted ? controller.signal.reason : undefined;
      await writer.abort();
      throw fatal instanceof Error ? fatal : error;
    }
    return {
      format,
      destination: typeof destination === "string" ? destination : "-",
      references: plan.references.map((p) => ({
        reference: p.reference.toString(),
        digest: p.top.digest,
        mediaType: p.top.mediaType,
        ...(p.index ? { index: p.index } : {}),
        ...(p.platform ? { platform: p.platform } : {}),
        ...(options.platforms === "all"
          ? { platforms: p.images.flatMap((i) => (i.platform ? [i.platform] : [])) }
          : {}),
      })),
      blobs: { total: plan.blobs.length, ...counts },
      bytes: { total: size, downloaded: network },
    };
  } catch (error) {
    throw typeof destination === "string"
      ? await afterFailure(error, format, destination, existed, opened, options.resumeCommand ?? "pull")
      : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
