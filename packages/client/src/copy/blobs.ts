/**
 * Step 2 of a copy (copy.ts): the blobs, `concurrency` at a time. Each is skipped when the target has it (HEAD),
 * mounted within one registry, otherwise streamed from the source's GET straight into the target's upload, never
 * touching the disk and never held in memory, its size (and unless `verify: false` its digest) checked on the way.
 */
import { type Descriptor, DOCKER_FOREIGN_LAYER } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { targetBlob } from "../blob-handle.js";
import type { ClientContext } from "../context.js";
import type { BlobOutcome, CopyResult } from "../copy.js";
import { blobLimit, mapConcurrent } from "../map-concurrent.js";
import { readThroughMirrors } from "../mirrors.js";
import { upload } from "../push-blob.js";
import { blobGet } from "../registry-api/blobs.js";
import { blobReporter, type OnTransferProgress } from "../transfer-events.js";

/** Copies `blobs` from `source` to `target`; returns what became of each and the bytes streamed to the target. */
export async function copyBlobs(
  ctx: ClientContext,
  source: Reference,
  target: Reference,
  blobs: Descriptor[],
  options: {
    concurrency: number;
    force: boolean;
    verify: boolean;
    onProgress: OnTransferProgress | undefined;
    signal: AbortSignal | undefined;
    /**
     * A repository of the target's registry to mount from instead of the source's (a sync mounts a blob another of
     * its targets got); the bytes are streamed from the source if the registry declines.
     */
    mountFrom?: string;
  },
): Promise<{ copied: CopyResult["blobs"]; bytesUploaded: number }> {
  const { concurrency, force, verify, onProgress, signal } = options;
  let bytesUploaded = 0;
  const sameRegistry = source.registry === target.registry;
  const mountFrom = options.mountFrom ?? (sameRegistry ? source.repository : undefined);
  const targetRepo = target.repositoryOnly();
  const copied = await mapConcurrent(
    blobs,
    blobLimit(concurrency),
    async (blob, _i, s): Promise<CopyResult["blobs"][number]> => {
      const report = blobReporter(onProgress, {
        digest: blob.digest,
        size: blob.size,
        mediaType: blob.mediaType,
      });
      const done = (outcome: BlobOutcome) => {
        if (outcome === "uploaded") report.end("done", blob.size);
        else if (outcome === "mounted") report.end("mounted", 0, { from: `${target.registry}/${mountFrom}` });
        else report.end("skipped", 0, outcome === "foreign" ? { foreign: true } : {});
        return { digest: blob.digest, size: blob.size, outcome };
      };
      if (blob.mediaType === DOCKER_FOREIGN_LAYER && blob.urls?.length) return done("foreign");
      // With the push's scopes: a refusal of this look names the push (`push to REPO`), not a pull.
      if (!force && (await targetBlob(ctx, targetRepo, blob.digest, { signal: s })) !== undefined) {
        return done("skipped");
      }
      if (sameRegistry && source.repository === target.repository) return done("skipped");
      // The source's mirrors are asked first (mirrors.ts); the target is only ever the target itself. `settled`, the
      // upload's signal for its source, lets a stopped copy's PUT in flight get its bytes for the while it is given
      // to answer (registry-api/uploads.ts), rather than be cut and leave them on the registry.
      const download = async (settled?: AbortSignal) => {
        const got = await readThroughMirrors(
          ctx,
          source.registry,
          (registry) =>
            blobGet(ctx.transport, {
              registry,
              repository: source.repository,
              digest: blob.digest,
              size: blob.size,
              verifyDigest: verify,
              signal: settled ?? s,
              context: `get blob ${blob.digest} from ${source.name}`,
            }),
          settled ?? s,
        );
        return got.stream;
      };
      let sent = 0;
      const result = await upload(ctx, targetRepo, {
        source: download,
        digest: blob.digest,
        size: blob.size,
        // Hashed at most once: on the download side, or (verify: false) only by the target registry.
        // Stryker disable next-line BooleanLiteral: hashing again on the upload side costs time, not correctness: the download side already refuses a mismatch.
        verify: false,
        ...(mountFrom !== undefined ? { mountFrom } : {}),
        onProgress: (bytes) => {
          sent = bytes;
          report.bytes(bytes);
        },
        signal: s,
      });
      // A mounted blob sends no bytes: `sent` stays 0 (and counts what was sent when a refused mount fell back).
      bytesUploaded += sent;
      return done(result.mounted ? "mounted" : "uploaded");
    },
    signal,
  );

  return { copied, bytesUploaded };
}
