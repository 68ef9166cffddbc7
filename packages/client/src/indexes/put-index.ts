/**
 * The last step of building or editing an index by hand: the children brought to the target's repository first
 * (index-sources.ts), then the index put at the target's tag, and what was done reported.
 */
import { UsageError } from "@regatta/errors";
import { formatPlatform, type ImageIndex, serializeManifest } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { putManifest } from "../put-manifest.js";
import { type BroughtManifest, bringEntries, type SourcedEntry } from "./index-sources.js";

/** One entry of the index put. */
export interface IndexEntrySummary {
  digest: string;
  mediaType: string;
  size: number;
  /** `os/arch[/variant]`, when the entry has a platform. */
  platform?: string;
  annotations?: Record<string, string>;
}

/** What `createIndex` and `editIndex` did. */
export interface IndexResult {
  /** The target, with its tag. */
  reference: string;
  /** The digest of the index put. */
  digest: string;
  /** The index's media type (OCI image index or Docker manifest list). */
  mediaType: string;
  size: number;
  /** The entries, in index order. */
  manifests: IndexEntrySummary[];
  /** The index as put. */
  index: ImageIndex;
  /** Manifests copied into the target's repository from others (by digest) before the index was put. */
  brought: BroughtManifest[];
  /** `editIndex` only: the index that was edited (the target's, or `from`'s), by digest. */
  from?: { reference: string; digest: string };
  /** `editIndex` only: the entries of that index the edit left out (remove, platforms; replaced by append). */
  removed?: IndexEntrySummary[];
}

/**
 * The target of an index: a tag (a repository alone means `latest`, as everywhere). A digest is refused: the new
 * index has a digest of its own, unknown until it is built.
 */
export function indexTarget(ctx: ClientContext, input: ReferenceInput): Reference {
  const ref = toReference(ctx, input);
  if (ref.digest !== undefined) {
    throw new UsageError(
      `the target of an index is a tag, not a digest (${ref.familiar()}): the index built has a digest of its own`,
    );
  }
  return ref;
}

/**
 * Brings the entries from other repositories, then puts `index` at `target`; the tag is the last thing written.
 * `exact` are the bytes of an index put unchanged, kept so that its digest stays.
 */
export async function putIndex(
  ctx: ClientContext,
  target: Reference,
  index: ImageIndex,
  sourced: readonly SourcedEntry[],
  options: { signal?: AbortSignal | undefined; exact?: Uint8Array } = {},
): Promise<IndexResult> {
  const { signal } = options;
  const kept = new Set(index.manifests.map((d) => d.digest));
  const brought = await bringEntries(
    ctx,
    target,
    sourced.filter((s) => kept.has(s.descriptor.digest)),
    signal,
  );
  const bytes = options.exact ?? serializeManifest(index).bytes;
  const pushed = await putManifest(ctx, target, bytes, {
    ...(index.mediaType !== undefined ? { mediaType: index.mediaType } : {}),
    ...(signal ? { signal } : {}),
  });
  return {
    reference: target.toString(),
    digest: pushed.digest,
    mediaType: pushed.mediaType,
    size: pushed.size,
    manifests: index.manifests.map(entrySummary),
    index,
    brought,
  };
}

/** An index entry as {@link IndexResult} lists it. */
export function entrySummary(d: ImageIndex["manifests"][number]): IndexEntrySummary {
  return {
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    ...(d.platform ? { platform: formatPlatform(d.platform) } : {}),
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}
