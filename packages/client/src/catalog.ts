import type { ClientContext } from "./context.js";
import { type CatalogPage, catalogGet } from "./registry-api/catalog.js";
import { type FetchedPage, followPages } from "./registry-api/pages.js";

export interface CatalogOptions {
  /** Registry to list (default: the client's). */
  registry?: string;
  n?: number;
  last?: string;
  next?: string;
  signal?: AbortSignal;
}

export type { CatalogPage } from "./registry-api/catalog.js";

/** One page of `/v2/_catalog`. Docker Hub, GHCR and most hosted registries refuse it (401/403/404). */
export async function catalogPage(ctx: ClientContext, options: CatalogOptions = {}): Promise<CatalogPage> {
  return (await fetchCatalogPage(ctx, options)).page;
}

async function fetchCatalogPage(
  ctx: ClientContext,
  options: CatalogOptions,
): Promise<FetchedPage<CatalogPage>> {
  const registry = options.registry ?? ctx.defaultRegistry;
  return catalogGet(ctx.transport, {
    registry,
    context: `list repositories of ${registry}`,
    n: options.n,
    last: options.last,
    next: options.next,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(options.signal ? { signal: options.signal } : {}),
  });
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
  // Not push(...page): a page of ~125k names spread into arguments overflows the stack.
  for await (const page of catalogPages(ctx, options))
    for (const name of page.repositories) repositories.push(name);
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
