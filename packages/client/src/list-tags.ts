import { repositoryScope } from "@regatta/auth";
import { ProtocolError } from "@regatta/errors";
import { type ClientContext, type RepositoryInput, repositoryPath, toRepository } from "./context.js";
import { headManifest } from "./get-manifest.js";
import { type FetchedPage, followPages, nextPage, pageUrl } from "./link-header.js";
import { mapConcurrent } from "./map-concurrent.js";

export interface TagsOptions {
  /** Page size asked of the registry (`n`). Registries may cap it or, like distribution 2.8, ignore it. */
  n?: number;
  /** Start after this tag (`last`), as returned by a previous page. */
  last?: string;
  /** The opaque next-page URL returned by a previous page (`next`), for registries whose pages are tokens (Quay). */
  next?: string;
  /** Also fetch each tag's manifest digest (one HEAD per tag: costly on large repositories). */
  withDigests?: boolean;
  signal?: AbortSignal;
}

/** One page of tags, in the shape of the registry's answer and of the Ruby gem's `tags`. */
export interface TagList {
  /** Repository name as the registry reports it, e.g. `library/alpine`. */
  name: string;
  tags: string[];
  /** The last tag of this page when there are more pages: pass it as `last` to get the next. */
  last?: string;
  /** The next page's URL when there are more pages: pass it as `next` (works for every registry). */
  next?: string;
  /** tag → manifest digest, with `withDigests`. */
  digests?: Record<string, string>;
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
  const what = `list tags of ${repo.name}`;
  const url = pageUrl(
    ctx.transport.baseUrl(repo.registry),
    `${repositoryPath(repo.repository)}/tags/list`,
    options,
    what,
  );
  const response = await ctx.transport.request({
    registry: repo.registry,
    method: "GET",
    url: url.href,
    scopes: [repositoryScope(repo.repository, ["pull"])],
    context: what,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const body = await response.json<{ name?: string; tags?: string[] | null }>(16 * 1024 * 1024);
  if (!body || typeof body !== "object" || (body.tags != null && !Array.isArray(body.tags))) {
    throw new ProtocolError(`${what}: the registry answered something that is not a tag list`, {
      request: { method: "GET", url: response.url },
    });
  }
  // distribution answers `"tags": null` for a repository whose tags were all deleted.
  const tags = (body.tags ?? []).filter((t): t is string => typeof t === "string");
  const page: TagList = { name: body.name ?? repo.repository, tags };
  const next = nextPage(response.headers.link, url, what, response.status);
  if (next) {
    page.next = next;
    const last = tags.at(-1);
    if (last !== undefined) page.last = last;
  }
  if (options.withDigests) page.digests = await tagDigests(ctx, repo.name, tags, options.signal);
  return { page, url: url.href };
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
  return followPages(
    `list tags of ${repo.name}`,
    // Stryker disable next-line ConditionalExpression: `next: undefined` asks for the first page, as the options without it do.
    (next) => fetchTagPage(ctx, repo, next ? { ...options, next } : options),
    (page) => page.tags.length,
    ctx.pagination,
  );
}

/** Every tag of a repository, all pages joined. */
export async function allTags(
  ctx: ClientContext,
  input: RepositoryInput,
  options: { signal?: AbortSignal } = {},
) {
  const tags: string[] = [];
  for await (const page of tagPages(ctx, input, options)) tags.push(...page.tags);
  return tags;
}

async function tagDigests(ctx: ClientContext, name: string, tags: string[], signal?: AbortSignal) {
  const digests = await mapConcurrent(
    tags,
    ctx.concurrency,
    async (tag, _i, s) => (await headManifest(ctx, `${name}:${tag}`, { signal: s })).digest,
    signal,
  );
  return Object.fromEntries(tags.map((t, i) => [t, digests[i] as string]));
}
