/**
 * `reg.push(src, ref)`: an image from disk (docker archive, OCI layout, plain directory) to a registry, through the
 * client's write side: `pushBlob` (HEAD first, so blobs the registry has are not sent; uploads resume) for every
 * config and layer, several at once, then `putManifest` for an index's children by digest and last for the
 * reference itself. Manifests go up as the exact bytes read from disk, so their digests are the ones on disk.
 */
import type { Readable } from "node:stream";
import { DigestMismatchError, NotFoundError, quotePath, quoteText, UsageError } from "@regatta/errors";
import { guessPushFormat, type LayoutFormat, openImageSource } from "@regatta/layout";
import type { Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { blobLimit, mapConcurrent } from "../map-concurrent.js";
import { pushBlob } from "../push-blob.js";
import { putManifest } from "../put-manifest.js";
import type { OnTransferProgress } from "../transfer-events.js";

export interface PushOptions {
  /** What `source` is. Default: guessed (a file or stream is a docker archive; a directory says by its files). */
  format?: LayoutFormat;
  /**
   * Which image of the source: an OCI ref.name or a docker RepoTag (full in any spelling docker accepts, or its
   * tag). Default: the only image (however many names it has), or, when there are several, the one named like the
   * target's tag.
   */
  name?: string;
  /** Blobs uploaded at once. Default: the client's concurrency. */
  concurrency?: number;
  /** The plan, each blob (through `pushBlob`: `skipped` when the registry has it), then each manifest put. */
  onProgress?: OnTransferProgress;
  signal?: AbortSignal;
}

export interface PushResult {
  /** The reference pushed to, with the digest. */
  reference: string;
  digest: string;
  mediaType: string;
  format: LayoutFormat;
  /** The image's name in the source, when it had one. */
  name?: string;
  blobs: { total: number; uploaded: number; skipped: number };
  bytes: { total: number; uploaded: number };
  /** Manifests put (an index's children, then the reference's own). */
  manifests: number;
}

/** Pushes the image at `source` to `target`. */
export async function pushImage(
  ctx: ClientContext,
  source: string | Readable,
  target: ReferenceInput,
  options: PushOptions = {},
): Promise<PushResult> {
  const ref: Reference = toReference(ctx, target);
  const format = options.format ?? (await guessPushFormat(source));
  const concurrency = Math.max(1, options.concurrency ?? ctx.concurrency);
  const emit = options.onProgress ?? (() => {});
  const signal = options.signal ? { signal: options.signal } : {};
  const opened = await openImageSource(source, format);
  const where = typeof source === "string" ? quotePath(source) : "the archive";
  try {
    // One image under several names needs no choosing; several images are chosen by the target's tag.
    const byTargetTag = options.name === undefined && opened.images > 1 ? ref.tag : undefined;
    const image = await opened.image(options.name ?? byTargetTag).catch((error: unknown) => {
      if (byTargetTag === undefined || !(error instanceof NotFoundError)) throw error;
      throw new UsageError(
        `${where} holds ${opened.images} images and none is named ${quoteText(byTargetTag)} like the target's tag: say which one with --name (it has: ${[...new Set(opened.names)].join(", ")})`,
        { cause: error },
      );
    });
    if (ref.digest && ref.digest !== image.top.digest) {
      throw new DigestMismatchError(`the image in ${where} is ${image.top.digest}, not ${ref.digest}`, {
        expected: ref.digest,
        actual: image.top.digest,
      });
    }
    const repository = ref.repositoryOnly();
    const size = image.blobs.reduce((n, b) => n + b.size, 0);
    emit({
      type: "plan",
      blobs: image.blobs.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType })),
      bytes: size,
      manifests: image.children.length + 1,
    });
    let sent = 0;
    const results = await mapConcurrent(
      image.blobs,
      blobLimit(concurrency),
      async (blob, _i, blobSignal) => {
        let transferred = 0;
        const result = await pushBlob(ctx, repository, blob.open, {
          digest: blob.digest,
          size: blob.size,
          signal: blobSignal,
          onProgress(event) {
            if (event.type !== "blob") return;
            if (event.state === "bytes") {
              sent += event.bytes - transferred;
              transferred = event.bytes;
            }
            emit({ ...event, mediaType: blob.mediaType });
          },
        });
        return result;
      },
      options.signal,
    );
    const repo = ref.withoutTag().withoutDigest();
    await mapConcurrent(
      image.children,
      concurrency,
      async (child, _i, childSignal) => {
        const put = await putManifest(ctx, repo.withDigest(child.digest), child, { signal: childSignal });
        emit({
          type: "manifest",
          state: "pushed",
          digest: child.digest,
          mediaType: child.mediaType,
          reference: put.reference.toString(),
        });
      },
      options.signal,
    );
    const put = await putManifest(ctx, ref, image.top, signal);
    emit({
      type: "manifest",
      state: "pushed",
      digest: put.digest,
      mediaType: put.mediaType,
      reference: put.reference.toString(),
    });
    return {
      reference: put.reference.toString(),
      digest: put.digest,
      mediaType: put.mediaType,
      format,
      ...(image.name !== undefined ? { name: image.name } : {}),
      blobs: {
        total: results.length,
        uploaded: results.filter((r) => !r.skipped).length,
        skipped: results.filter((r) => r.skipped).length,
      },
      bytes: { total: size, uploaded: sent },
      manifests: image.children.length + 1,
    };
  } finally {
    await opened.close();
  }
}
