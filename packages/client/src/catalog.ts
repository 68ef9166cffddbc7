import { ProtocolError } from "@regatta/errors";
import type { ClientContext } from "./context.js";
import { followPages, nextLink } from "./link-header.js";

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
  const registry = options.registry ?? ctx.defaultRegistry;
  const response = await ctx.transport.request({
    registry,
    method: "GET",
    ...(options.next
      ? { url: options.next }
      : { path: "/v2/_catalog", query: { n: options.n, last: options.last } }),
    scopes: [{ type: "registry", name: "catalog", actions: ["*"] }],
    context: `list repositories of ${registry}`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const body = await response.json<{ repositories?: unknown }>(64 * 1024 * 1024);
  if (!body || (body.repositories != null && !Array.isArray(body.repositories))) {
    throw new ProtocolError(
      `list repositories of ${registry}: the registry answered something that is not a catalog`,
    );
  }
  const repositories = ((body.repositories as unknown[] | null) ?? []).filter(
    (r): r is string => typeof r === "string",
  );
  const page: CatalogPage = { repositories };
  const next = nextLink(response.headers.link);
  if (next) {
    page.next = next;
    const last = repositories.at(-1);
    if (last !== undefined) page.last = last;
  }
  return page;
}

/** Every page of the catalog, following `Link` headers. */
export function catalogPages(ctx: ClientContext, options: Omit<CatalogOptions, "last" | "next"> = {}) {
  return followPages("list repositories", (next) => catalogPage(ctx, next ? { ...options, next } : options));
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
