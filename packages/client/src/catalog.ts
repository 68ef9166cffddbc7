import { ProtocolError } from "@regatta/errors";
import type { ClientContext } from "./context.js";
import { type FetchedPage, followPages, nextPage, pageUrl } from "./link-header.js";

export interface CatalogOptions {
  /** Registry to list (default: the client's). */
  registry?: string;
  n?: number;
  last?: string;
  next?: string;
  signal?: AbortSignal;
}

export interface CatalogPage {
  repositories: string[];
  last?: string;
  next?: string;
}

/** One page of `/v2/_catalog`. Docker Hub, GHCR and most hosted registries refuse it (401/403/404). */
export async function catalogPage(ctx: ClientContext, options: CatalogOptions = {}): Promise<CatalogPage> {
  return (await fetchCatalogPage(ctx, options)).page;
}

async function fetchCatalogPage(
  ctx: ClientContext,
  options: CatalogOptions,
): Promise<FetchedPage<CatalogPage>> {
  const registry = options.registry ?? ctx.defaultRegistry;
  const what = `list repositories of ${registry}`;
  const url = pageUrl(ctx.transport.baseUrl(registry), "/v2/_catalog", options, what);
  const response = await ctx.transport.request({
    registry,
    method: "GET",
    url: url.href,
    scopes: [{ type: "registry", name: "catalog", actions: ["*"] }],
    context: what,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const body = await response.json<{ repositories?: unknown }>(64 * 1024 * 1024);
  // A JSON string or number is no catalog either: reading its missing `repositories` as none would report an empty
  // registry where the registry answered nonsense.
  if (!body || typeof body !== "object" || (body.repositories != null && !Array.isArray(body.repositories))) {
    throw new ProtocolError(`${what}: the registry answered something that is not a catalog`, {
      request: { method: "GET", url: response.url },
    });
  }
  const repositories = ((body.repositories as unknown[] | null) ?? []).filter(
    (r): r is string => typeof r === "string",
  );
  const page: CatalogPage = { repositories };
  const next = nextPage(response.headers.link, url, what, response.status);
  if (next) {
    page.next = next;
    const last = repositories.at(-1);
    if (last !== undefined) page.last = last;
  }
  return { page, url: url.href };
}

/** Every page of the catalog, following `Link` headers on the registry's origin, within the pagination limits. */
export function catalogPages(ctx: ClientContext, options: Omit<CatalogOptions, "last" | "next"> = {}) {
  return followPages(
    `list repositories of ${options.registry ?? ctx.defaultRegistry}`,
    // Stryker disable next-line ConditionalExpression: `next: undefined` asks for the first page, as the options without it do.
    (next) => fetchCatalogPage(ctx, next ? { ...options, next } : options),
    (page) => page.repositories.length,
    ctx.pagination,
  );
}

/** Every repository of a registry, all pages joined. */
export async function allRepositories(
  ctx: ClientContext,
  options: Omit<CatalogOptions, "last" | "next"> = {},
) {
  const repositories: string[] = [];
  for await (const page of catalogPages(ctx, options)) repositories.push(...page.repositories);
  return repositories;
}

/**
 * Repositories whose name contains `substring` (the Ruby gem's `search`). The v2 API has no search: this reads the
 * whole catalog and filters it on the client, which is slow on large registries.
 */
export async function searchRepositories(
  ctx: ClientContext,
  substring: string,
  options: { registry?: string; signal?: AbortSignal } = {},
) {
  const all = await allRepositories(ctx, options);
  return all.filter((name) => name.includes(substring));
}
