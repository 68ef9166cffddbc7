import { NotFoundError, UsageError } from "@regatta/errors";
import { type ImageIndex, INDEX_TYPES, mediaTypeEssence } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "./context.js";
import { getManifest, headManifest } from "./get-manifest.js";
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
 * The tag list, where a 404 (distribution's NAME_UNKNOWN) means no tags: distribution answers it for a repository
 * whose manifests were all pushed by digest, which a delete's check of the other tags must read as "none" (the
 * manifest itself was read first). For a listing that is the content itself (rmrepo), use {@link allTags}.
 */
async function tagsOrNone(
  ctx: ClientContext,
  repo: RepositoryReference,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  try {
    return await allTags(ctx, repo, signal ? { signal } : {});
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

/** What a tag names now: the manifest's digest, and its media type when the registry said. */
export interface TagHead {
  digest: string;
  mediaType?: string;
}

/**
 * Every tag of `repo` with the digest (and media type) it names now: the tag list, then one HEAD per tag,
 * `concurrency` at a time. A tag that vanishes between the list and its HEAD is left out. A tag list answered 404
 * (NAME_UNKNOWN) is no tags, unless `tagsRequired` (then the NotFoundError). Registries have no "tags of
 * a digest" call (distribution keeps that index internally), so this is how regclient and crane find them too.
 */
export async function tagHeads(
  ctx: ClientContext,
  repo: RepositoryReference,
  options: TagWalkOptions & { tagsRequired?: boolean } = {},
): Promise<Map<string, TagHead>> {
  const limit = options.limit ?? DEFAULT_TAG_WALK_LIMIT;
  const tags = options.tagsRequired
    ? await allTags(ctx, repo, options.signal ? { signal: options.signal } : {})
    : await tagsOrNone(ctx, repo, options.signal);
  if (tags.length > limit) {
    throw new UsageError(
      `${repo.name} has ${tags.length} tags, more than the ${limit} checked to find those sharing a manifest`,
      {
        code: "TOO_MANY_TAGS",
        hint: "raise the limit, or pass --force to delete without naming the other tags",
      },
    );
  }
  const heads = await mapConcurrent(
    tags,
    Math.max(1, options.concurrency ?? ctx.concurrency),
    async (tag, _i, signal): Promise<TagHead | undefined> => {
      try {
        // The registry's own tags, never a mirror's (mirrors.ts), which may be stale.
        const head = await headManifest(ctx, repo.withTag(tag), { signal, mirrors: false });
        return { digest: head.digest, ...(head.mediaType ? { mediaType: head.mediaType } : {}) };
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },
    options.signal,
  );
  const map = new Map<string, TagHead>();
  tags.forEach((tag, i) => {
    const head = heads[i];
    if (head) map.set(tag, head);
  });
  return map;
}

/** Every tag of `repo` with the digest it names now (see {@link tagHeads}). */
export async function tagDigests(
  ctx: ClientContext,
  repo: RepositoryReference,
  options: TagWalkOptions = {},
): Promise<Map<string, string>> {
  const heads = await tagHeads(ctx, repo, options);
  return new Map([...heads].map(([tag, head]) => [tag, head.digest]));
}

/** The tags among `heads` that name `digest`, sorted. */
export function tagsOf(heads: ReadonlyMap<string, TagHead>, digest: string): string[] {
  return [...heads]
    .filter(([, head]) => head.digest === digest)
    .map(([tag]) => tag)
    .sort();
}

/** The tags of `repo` that name `digest`, sorted. */
export async function tagsNaming(
  ctx: ClientContext,
  repo: RepositoryReference,
  digest: string,
  options: TagWalkOptions = {},
): Promise<string[]> {
  return tagsOf(await tagHeads(ctx, repo, options), digest);
}

/** A tagged index that lists a manifest among its children. */
export interface ListingIndex {
  digest: string;
  /** Its tags, sorted. */
  tags: string[];
}

/** A referrers fallback tag (`sha256-<hex>`): its index lists referrers, not images, and is kept up to date apart. */
const FALLBACK_TAG = /^sha(256|512)-[0-9a-f]+$/;

/**
 * The tagged indexes of a repository that list `digest` among their manifests: one GET per distinct index (or
 * manifest of unknown media type) the tags name, `concurrency` at a time. Not seen: untagged indexes, indexes that
 * list it only through a nested index, other repositories, and the referrers fallback tag indexes (`sha256-<hex>`),
 * which list referrers and are updated when one is deleted. An index deleted meanwhile is skipped; any other failure
 * to read one fails the call (a delete must not go on unchecked).
 */
export async function indexesListing(
  ctx: ClientContext,
  repo: RepositoryReference,
  digest: string,
  heads: ReadonlyMap<string, TagHead>,
  options: Pick<TagWalkOptions, "concurrency" | "signal"> = {},
): Promise<ListingIndex[]> {
  const candidates = new Map<string, string[]>();
  for (const [tag, head] of heads) {
    if (head.digest === digest) continue;
    if (head.mediaType && !INDEX_TYPES.has(mediaTypeEssence(head.mediaType))) continue;
    candidates.set(head.digest, [...(candidates.get(head.digest) ?? []), tag]);
  }
  for (const [d, tags] of candidates) if (tags.every((t) => FALLBACK_TAG.test(t))) candidates.delete(d);
  const digests = [...candidates.keys()];
  const lists = await mapConcurrent(
    digests,
    Math.max(1, options.concurrency ?? ctx.concurrency),
    async (index, _i, signal) => {
      try {
        const got = await getManifest(ctx, repo.withDigest(index), { signal, mirrors: false });
        return (
          got.kind === "index" && (got.manifest as ImageIndex).manifests.some((m) => m.digest === digest)
        );
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },
    options.signal,
  );
  return digests
    .filter((_, i) => lists[i])
    .map((d) => ({ digest: d, tags: [...(candidates.get(d) ?? [])].sort() }))
    .sort((a, b) => (a.tags[0] ?? "").localeCompare(b.tags[0] ?? ""));
}
