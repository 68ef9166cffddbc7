/**
 * Copying an image (or index, or artifact) from one reference to another, in one registry or between two, as crane
 * and skopeo do:
 *
 * 1. The source manifest is fetched once, as bytes; an index brings its children (every one, or the chosen
 *    platforms, in which case the index is rewritten to list only those). With one `platform`, an index is resolved
 *    to that platform's image manifest, which is what is copied: the target names the image, not an index, as
 *    `crane copy --platform`, `skopeo copy --override-arch` and `regctl image copy --platform` do.
 * 2. Blobs go first, `concurrency` at a time, deduplicated across children: skipped when the target has them (HEAD),
 *    mounted within one registry, otherwise streamed from the source's GET straight into the target's PUT, never
 *    touching the disk and never held in memory. Size and digest are verified while the bytes stream through, as on
 *    every blob read (hashed once, on the download side). `verify: false` leaves the digest to the target, which
 *    computes it anyway and refuses a blob that does not match (DIGEST_INVALID); that saves one hash per byte (on a
 *    2-core machine about a tenth of the copy's time; bench/README.md) but trusts the target registry to check.
 * 3. Manifests follow their blobs (children before their index), by digest; the tag is pushed last, so a reader never
 *    sees a tag whose content is incomplete.
 *
 * Manifests are pushed as the exact bytes fetched, so the digest is preserved (`regatta digest` agrees on both
 * sides), except for an index rewritten for chosen platforms.
 *
 * This file is the entry and the shapes; each step has a file of its own in copy/: plan.ts (1), blobs.ts (2) and
 * manifests.ts (3).
 */
import { UnsupportedError, UsageError } from "@regatta/errors";
import { computeDigest, type DigestAlgorithm } from "@regatta/manifest";
import { parseReference, type Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { copyBlobs } from "./copy/blobs.js";
import { pushManifests } from "./copy/manifests.js";
import { digestAt, planCopy } from "./copy/plan.js";
import { getManifest } from "./get-manifest.js";
import { checkAskedPlatforms } from "./image-config.js";
import { type CopyReferrersResult, copyReferrers } from "./referrers/copy-referrers.js";
import type { OnTransferProgress } from "./transfer-events.js";

/**
 * Blobs copied at once when the caller says nothing. Tuned with bench/copy.mjs (4 layers, 1 GiB, two local
 * registries, 2 cores): see bench/README.md.
 */
export const DEFAULT_COPY_CONCURRENCY = 4;

/**
 * Which platforms of an index a copy takes: nothing (or `platforms: "all"`) copies the index whole; `platform` copies
 * one platform's image manifest alone, so the target names an image; `platforms` (a list, even of one) keeps an index,
 * rewritten to list those platforms and their attestations. `platform` and `platforms` exclude each other.
 */
export interface CopyOptions {
  /**
   * One platform (`os/arch[/variant]`): an index is resolved to that platform's image (the best match, as `manifest
   * --platform` and pull choose), and only that image is copied: the target names the image manifest, not an index,
   * and no attestation goes with it (there is no index to list one). A source that is an image already is copied as
   * it is; the result then has no `platform`.
   */
  platform?: string;
  /**
   * `all` (default) copies an index with every child; a list keeps only those platforms (each matched strictly,
   * with the attestations that describe them) and rewrites the index.
   */
  platforms?: "all" | readonly string[];
  /** Send blobs and manifests even when the target has them. */
  force?: boolean;
  /**
   * Verify each blob's digest while it streams (default true). `false` leaves the check to the target registry,
   * which refuses a mismatch with DIGEST_INVALID: one hash fewer per byte, for registries you trust to check.
   */
  verify?: boolean;
  /** Blobs copied at once. Default {@link DEFAULT_COPY_CONCURRENCY}. */
  concurrency?: number;
  /**
   * Also copy the image's referrers (signatures, SBOMs, attestations; theirs in turn, and cosign's tags), after the
   * image, as `regctl image copy --referrers` and `oras cp -r` do: referrers/copy-referrers.ts. They refer to the
   * source's digest, so the image must travel unchanged: not with `platform` or a list of `platforms`.
   */
  referrers?: boolean;
  /** Progress events, for a display: the plan, each blob, each manifest (transfer-events.ts). */
  onProgress?: OnTransferProgress;
  signal?: AbortSignal;
}

/** What happened to one blob. `foreign`: a Docker foreign layer, which lives elsewhere and is never copied. */
export type BlobOutcome = "uploaded" | "mounted" | "skipped" | "foreign";

/** What a copy did. */
export interface CopyResult {
  source: string;
  target: string;
  /** The digest of the top manifest at the target. */
  digest: string;
  /** The digest of the top manifest at the source (differs only when the index was rewritten). */
  sourceDigest: string;
  mediaType: string;
  /** With `platform`, when the source named an index: the index the image was chosen from. */
  index?: { digest: string; mediaType: string };
  /**
   * With `platform`, when the source named an index: the platform of the image copied. With `platform` or a list of
   * `platforms`, when the source named a single image: the platform its config names (it had to be one of them).
   */
  platform?: string;
  /** The index was rewritten to list only the chosen platforms. */
  rewritten: boolean;
  /** The target already had this manifest under this name: nothing was sent. */
  upToDate: boolean;
  manifests: { digest: string; mediaType: string; platform?: string; outcome: "pushed" | "skipped" }[];
  blobs: { digest: string; size: number; outcome: BlobOutcome }[];
  /** Bytes streamed to the target (mounted and skipped blobs count nothing). */
  bytesUploaded: number;
  /** With `referrers`: what was copied of them. */
  referrers?: CopyReferrersResult;
}

/**
 * The target of a copy: a repository alone takes the source's tag, or `latest` when the source is named by digest
 * only (as skopeo, crane and regctl do: a copy by digest alone would leave the image untagged, which nobody asked).
 * To push by digest only, name the target `REPO@DIGEST`.
 */
export function copyTarget(ctx: ClientContext, source: Reference, target: ReferenceInput): Reference {
  const ref =
    typeof target === "string"
      ? parseReference(target, { defaultRegistry: ctx.defaultRegistry, defaultTag: false })
      : target;
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return ref.withTag(source.tag ?? "latest");
}

/** Copies `source` to `target`; see the module comment. */
export async function copyImage(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  targetInput: ReferenceInput,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const source = toReference(ctx, sourceInput);
  const target = copyTarget(ctx, source, targetInput);
  const { signal, force = false, verify = true, onProgress } = options;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_COPY_CONCURRENCY);
  const { platform } = options;
  if (platform !== undefined && options.platforms !== undefined) {
    throw new UsageError(
      "copy takes one platform (its image alone) or platforms (an index of those), not both",
    );
  }
  const filter = options.platforms && options.platforms !== "all" ? options.platforms : undefined;
  if (options.referrers && (platform !== undefined || filter)) {
    throw new UsageError(
      "referrers name the source's digest: copy the image unchanged (no platform selection) to carry them",
    );
  }
  // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
  const sig = signal ? { signal } : {};
  // With one platform the image is what is copied: everything below works on it as on any image.
  const top = await getManifest(ctx, source, platform !== undefined ? { ...sig, platform } : sig);
  // A single image has nothing to choose from: one of another platform than asked is refused before any write.
  const own = await checkAskedPlatforms(
    ctx,
    top,
    platform !== undefined ? [platform] : (filter ?? []),
    signal,
  );
  const base = {
    source: source.toString(),
    target: target.toString(),
    sourceDigest: top.digest,
    mediaType: top.mediaType,
    ...(top.index ? { index: { digest: top.index.digest, mediaType: top.index.mediaType } } : {}),
    ...(top.platform !== undefined ? { platform: top.platform } : own !== undefined ? { platform: own } : {}),
  };
  if (top.kind === "schema1") {
    throw new UnsupportedError(
      `copy ${source.familiar()}: Docker schema 1 manifests cannot be pushed to current registries`,
    );
  }

  /** The result, with the referrers copied after the image when asked. */
  const finish = async (result: CopyResult): Promise<CopyResult> => {
    if (!options.referrers) return result;
    const at = target.withoutDigest().withDigest(result.digest);
    const referrers = await copyReferrers(ctx, source.withDigest(top.digest), at, {
      ...sig,
      mediaType: top.mediaType,
    });
    return { ...result, referrers };
  };

  if (!force && !filter && (await digestAt(ctx, target, signal)) === top.digest) {
    return finish({
      ...base,
      digest: top.digest,
      rewritten: false,
      upToDate: true,
      manifests: [],
      blobs: [],
      bytesUploaded: 0,
    });
  }

  // 1. What to push: children first, then the top manifest (rewritten when platforms were chosen).
  const plan = await planCopy(ctx, source, target, top, { filter, force, concurrency, ...sig });
  // A target named by digest must be what would be pushed: known now, before any blob is sent, not after.
  const asked = target.digest;
  const pushedDigest =
    asked === undefined ? undefined : computeDigest(plan.topBytes, asked.split(":")[0] as DigestAlgorithm);
  if (asked !== undefined && asked !== pushedDigest) {
    throw new UsageError(
      `copy ${source.familiar()} to ${target.familiar()}: the manifest to push is ${pushedDigest}, not the target's ${asked}; name the target by tag or by that digest`,
    );
  }
  onProgress?.({
    type: "plan",
    blobs: plan.blobs.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType })),
    bytes: plan.blobs.reduce((n, b) => n + b.size, 0),
    manifests: plan.manifests,
  });
  // 2. Blobs, deduplicated, of every manifest the target lacks.
  const { copied, bytesUploaded } = await copyBlobs(ctx, source, target, plan.blobs, {
    concurrency,
    force,
    verify,
    onProgress,
    signal,
  });
  // 3. Manifests after their blobs, children before their index, the tag last.
  const { manifests, pushed } = await pushManifests(
    ctx,
    target,
    { children: plan.children, topBytes: plan.topBytes, mediaType: top.mediaType },
    { onProgress, signal },
  );
  return finish({
    ...base,
    target: pushed.reference.toString(),
    digest: pushed.digest,
    rewritten: pushed.digest !== top.digest,
    upToDate: false,
    manifests,
    blobs: copied,
    bytesUploaded,
  });
}
