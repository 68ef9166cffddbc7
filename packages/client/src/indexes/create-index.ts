/**
 * Creating an index by hand from manifests pushed separately, as `regctl index create`, `crane index append` (onto
 * nothing) and `oras manifest index create` do: each source read once (an image: its entry, with the platform its
 * config names; an index: its children, flattened), the children from other repositories brought over by digest,
 * then the index put at the target's tag.
 */
import { UsageError } from "@regatta/errors";
import {
  appendToIndex,
  buildIndex,
  checkAnnotations,
  DOCKER_MANIFEST_LIST,
  indexFlavorFor,
  type ManifestFlavor,
  OCI_INDEX,
} from "@regatta/manifest";
import type { ClientContext, ReferenceInput } from "../context.js";
import { readSources } from "./index-sources.js";
import { type IndexResult, indexTarget, putIndex } from "./put-index.js";

/** Options of `createIndex`. */
export interface CreateIndexOptions {
  /**
   * `oci` (an OCI image index) or `docker` (a Docker manifest list, which lists Docker schema 2 manifests only and
   * has no annotations). Default: `docker` when every entry is a Docker schema 2 manifest and no annotation is
   * given, as `docker manifest create` makes; `oci` otherwise.
   */
  mediaType?: ManifestFlavor;
  /** The index's annotations (OCI only). */
  annotations?: Record<string, string>;
  /** For sources that are indexes: read each child image's platform from its config instead of its entry. */
  platformFromConfig?: boolean;
  signal?: AbortSignal;
}

/**
 * Creates an index listing `sources` (tags, digests, or bare digests of the target's repository; other repositories
 * and registries too) and puts it at `target`. Two images for one platform, or one manifest twice, are refused, as
 * is a source that is an artifact rather than an image.
 */
export async function createIndex(
  ctx: ClientContext,
  targetInput: ReferenceInput,
  sources: readonly ReferenceInput[],
  options: CreateIndexOptions = {},
): Promise<IndexResult> {
  const target = indexTarget(ctx, targetInput);
  if (sources.length === 0) throw new UsageError("an index lists at least one manifest: name a source");
  const { annotations, signal } = options;
  const annotated = annotations !== undefined && Object.keys(annotations).length > 0;
  if (annotated) checkAnnotations(annotations, "the index");
  const sourced = await readSources(ctx, target, sources, {
    ...(options.platformFromConfig ? { platformFromConfig: true } : {}),
    ...(signal ? { signal } : {}),
  });
  const entries = sourced.map((s) => s.descriptor);
  const flavor = options.mediaType ?? indexFlavorFor(entries, annotated);
  // The duplicate and Docker-only checks are an append's, onto an empty index of the chosen kind.
  const listed = appendToIndex(
    { schemaVersion: 2, mediaType: flavor === "docker" ? DOCKER_MANIFEST_LIST : OCI_INDEX, manifests: [] },
    entries,
  );
  const built = buildIndex({
    manifests: listed.manifests,
    mediaType: flavor,
    ...(annotated ? { annotations } : {}),
  });
  return putIndex(ctx, target, built.manifest, sourced, { signal });
}
