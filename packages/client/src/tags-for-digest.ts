import { NotFoundError, UsageError } from "@regatta/errors";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "./context.js";
import { headManifest } from "./get-manifest.js";
import { allTags } from "./list-tags.js";
import { mapConcurrent } from "./map-concurrent.js";

/**
 * The most tags a delete walks (one HEAD each) to find those sharing a digest. Past it the walk is refused rather
 * than left half done: a partial answer would let a delete remove tags nobody was told about.
 */
export const DEFAULT_TAG_WALK_LIMIT = 10_000;

export interface TagWalkOptions {
  /** HEADs in flight. Default: the client's concurrency. */
  concurrency?: number;
  /** Refuse past this many tags. Default {@link DEFAULT_TAG_WALK_LIMIT}. */
  limit?: number;
  signal?: AbortSignal;
}

/**
 * Every tag of `repo` with the digest it names now: the tag list, then one HEAD per tag, `concurrency` at a time. A
 * tag that vanishes between the list and its HEAD is left out. Registries have no "tags of a digest" call
 * (distribution keeps that index internally), so this is how regclient and crane find them too.
 */
export async function tagDigests(
  ctx: ClientContext,
  repo: RepositoryReference,
  options: TagWalkOptions = {},
): Promise<Map<string, string>> {
  const limit = options.limit ?? DEFAULT_TAG_WALK_LIMIT;
  const tags = await allTags(ctx, repo, options.signal ? { signal: options.signal } : {});
  if (tags.length > limit) {
    throw new UsageError(
      `${repo.name} has ${tags.length} tags, more than the ${limit} checked to find those sharing a manifest`,
      {
        code: "TOO_MANY_TAGS",
        hint: "raise the limit, or pass --force to delete without naming the other tags",
      },
    );
  }
  const digests = await mapConcurrent(
    tags,
    Math.max(1, options.concurrency ?? ctx.concurrency),
    async (tag, _i, signal) => {
      try {
        // The registry's own tags, never a mirror's (mirrors.ts), which may be stale.
        return (await headManifest(ctx, repo.withTag(tag), { signal, mirrors: false })).digest;
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },
    options.signal,
  );
  const map = new Map<string, string>();
  tags.forEach((tag, i) => {
    if (digests[i]) map.set(tag, digests[i]);
  });
  return map;
}

/** The tags of `repo` that name `digest`, sorted. */
export async function tagsNaming(
  ctx: ClientContext,
  repo: RepositoryReference,
  digest: string,
  options: TagWalkOptions = {},
): Promise<string[]> {
  const all = await tagDigests(ctx, repo, options);
  return [...all]
    .filter(([, d]) => d === digest)
    .map(([tag]) => tag)
    .sort();
}
