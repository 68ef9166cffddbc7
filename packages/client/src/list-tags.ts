import { ProtocolError, quoteText } from "@regatta/errors";
import { isValidTag } from "@regatta/reference";
import { type ClientContext, type RepositoryInput, toRepository } from "./context.js";
import { headManifest } from "./get-manifest.js";
import { mapConcurrent } from "./map-concurrent.js";
import { type FetchedPage, followPages } from "./registry-api/pages.js";
import { type TagPage, tagsGet } from "./registry-api/tags.js";
import { selectTags, type TagSelection, tagFilter } from "./tag-selection.js";

export interface TagsOptions {
  /** Page size asked of the registry (`n`). Registries may cap it or, like distribution 2.8, ignore it. */
  n?: number;
  /** Start after this tag (`last`), as returned by a previous page. */
  last?: string;
  /** The opaque next-page URL returned by a previous page (`next`), for registries whose pages are tokens (Quay). */
  next?: string;
  /** Also fetch each tag's manifest digest (one HEAD per tag: costly on large repositories). */
  withDigests?: boolean;
  /** HEADs in flight at once for `withDigests`. Default: the client's concurrency. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** One page of tags, in the shape of the registry's answer and of the Ruby gem's `tags`. */
export interface TagList extends TagPage {
  /** tag → manifest digest, with `withDigests` (none for a listed name that is no valid tag). */
  digests?: Partial<Record<string, string>>;
}

/**
 * One page of tags. An unknown repository is a NotFoundError (NAME_UNKNOWN): unlike the Ruby gem, which answers
 * `{}`, Regatta lets a script tell "no such repository" from "no tags".
 */
export async function listTags(
  ctx: ClientContext,
  input: RepositoryInput,
  options: TagsOptions = {},
): Promise<TagList> {
  return (await fetchTagPage(ctx, input, options)).page;
}

async function fetchTagPage(
  ctx: ClientContext,
  input: RepositoryInput,
  options: TagsOptions,
): Promise<FetchedPage<TagList>> {
  const repo = toRepository(ctx, input);
  const { page, url }: FetchedPage<TagList> = await tagsGet(ctx.transport, {
    registry: repo.registry,
    repository: repo.repository,
    context: `list tags of ${repo.name}`,
    n: options.n,
    last: options.last,
    next: options.next,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (options.withDigests) page.digests = await tagDigests(ctx, repo.name, page.tags, options);
  return { page, url };
}

/**
 * Every page of tags, following `Link` headers until the registry stops sending one, on the registry's origin only
 * and within the client's pagination limits.
 */
export function tagPages(
  ctx: ClientContext,
  input: RepositoryInput,
  options: Omit<TagsOptions, "last" | "next"> = {},
): AsyncGenerator<TagList> {
  const repo = toRepository(ctx, input);
  const what = `list tags of ${repo.name}`;
  let first: string | undefined;
  return followPages(
    what,
    async (next) => {
      // Stryker disable next-line ConditionalExpression: `next: undefined` asks for the first page, as the options without it do.
      const fetched = await fetchTagPage(ctx, repo, next ? { ...options, next } : options);
      // The first page's name is the registry's spelling of this repository (which may differ: tags.ts); a later page
      // naming another is another repository's tags, never merged into these.
      if (next === undefined) first = fetched.page.name;
      else if (fetched.page.name !== first) {
        throw new ProtocolError(
          `${what}: a later page lists the tags of ${quoteText(fetched.page.name)}, the first those of ${quoteText(first ?? "")}`,
          { code: "TAG_LIST_NAME", request: { method: "GET", url: fetched.url } },
        );
      }
      return fetched;
    },
    (page) => page.tags.length,
    ctx.pagination,
  );
}

/** Every tag of a repository with its manifest digest, all pages joined. */
export interface TagsWithDigests {
  /** The repository's name, as the registry gives it. */
  name: string;
  tags: string[];
  /**
   * tag → manifest digest; a listed name that is no valid tag has none (it cannot be asked for), so a lookup may be
   * undefined.
   */
  digests: Partial<Record<string, string>>;
}

/**
 * Options of {@link allTags} and {@link tagsWithDigests}: the pages to read, then which tags of them, in which order
 * ({@link TagSelection}, tag-selection.ts: `sort` default `none`, the registry's order; `include`/`exclude` regular
 * expressions for the whole tag, as regctl's; `limit`).
 */
export interface AllTagsOptions extends TagSelection {
  /** Page size asked of the registry (`n`); every page is still read (unless `limit` is met in the registry's order). */
  n?: number;
  signal?: AbortSignal;
}

/** Every tag of a repository, all pages joined, selected and ordered as `options` say. */
export async function allTags(
  ctx: ClientContext,
  input: RepositoryInput,
  options: AllTagsOptions = {},
): Promise<string[]> {
  return (await joinPages(ctx, input, options)).tags;
}

/**
 * Every tag with its manifest digest (a HEAD per tag, `concurrency` at a time, default the client's), all pages
 * joined: what `regatta tags --digests` prints, and what a script would otherwise build from `tagPages` and `head`.
 * The selection is made first, so only the tags kept cost a HEAD.
 */
export async function tagsWithDigests(
  ctx: ClientContext,
  input: RepositoryInput,
  options: AllTagsOptions & { concurrency?: number } = {},
): Promise<TagsWithDigests> {
  const repo = toRepository(ctx, input);
  const { name, tags } = await joinPages(ctx, repo, options);
  return { name, tags, digests: await tagDigests(ctx, repo.name, tags, options) };
}

/** Every page joined, then the selection of `options`; in the registry's order, paging stops once `limit` is met. */
async function joinPages(
  ctx: ClientContext,
  input: RepositoryInput,
  options: AllTagsOptions,
): Promise<{ name: string; tags: string[] }> {
  const { n, signal, ...selection } = options;
  const keep = tagFilter(selection);
  const enough =
    (selection.sort ?? "none") === "none" && selection.limit !== undefined ? selection.limit : Infinity;
  let name = toRepository(ctx, input).repository;
  const tags: string[] = [];
  const paging = { ...(n !== undefined ? { n } : {}), ...(signal ? { signal } : {}) };
  for await (const page of tagPages(ctx, input, paging)) {
    name = page.name;
    // One push per tag: spreading a page into push() overflows the stack past ~125k arguments (GCR sends one page).
    for (const tag of page.tags) if (keep(tag)) tags.push(tag);
    // Leaving the loop ends the generator: no further page is asked for.
    if (tags.length >= enough) break;
  }
  // Filtered already, page by page: only the order and the limit are left.
  const { sort, limit } = selection;
  return {
    name,
    tags: selectTags(tags, { ...(sort ? { sort } : {}), ...(limit !== undefined ? { limit } : {}) }),
  };
}

async function tagDigests(
  ctx: ClientContext,
  name: string,
  tags: string[],
  options: { concurrency?: number; signal?: AbortSignal },
) {
  // A name the registry lists that is no tag (a broken or hostile registry) cannot be asked for: it gets no digest,
  // rather than failing the listing of every other tag.
  // A tag listed twice (a broken registry, or pages that overlap) is asked for once.
  const asked = [...new Set(tags.filter((tag) => isValidTag(tag)))];
  const digests = await mapConcurrent(
    asked,
    Math.max(1, options.concurrency ?? ctx.concurrency),
    async (tag, _i, s) => (await headManifest(ctx, `${name}:${tag}`, { signal: s })).digest,
    options.signal,
  );
  return Object.fromEntries(asked.map((t, i) => [t, digests[i] as string]));
}
