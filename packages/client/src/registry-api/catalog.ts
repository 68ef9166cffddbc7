/**
 * The catalog endpoint, `GET /v2/_catalog`, one page at a time, paginated as the tag list is (pages.ts). Not in the
 * OCI spec (distribution's API: https://distribution.github.io/distribution/spec/api/#catalog); Docker Hub, GHCR
 * and most hosted registries refuse it (401/403/404).
 */
import { ProtocolError } from "@regatta/errors";
import { type FetchedPage, nextPage, type PageDeps, type PageQuery, pageUrl } from "./pages.js";
import { CATALOG_PATH } from "./paths.js";

/** One page of a registry's repositories. */
export interface CatalogPage {
  repositories: string[];
  /** The last repository of this page when there are more pages: pass it as `last` to get the next. */
  last?: string;
  /** The next page's URL when there are more pages: pass it as `next` (works for every registry). */
  next?: string;
}

/** GET of one page of the catalog, with the `registry:catalog:*` scope. */
export async function catalogGet(
  deps: PageDeps,
  req: PageQuery & { registry: string; context: string; signal?: AbortSignal },
): Promise<FetchedPage<CatalogPage>> {
  const what = req.context;
  const url = pageUrl(deps.baseUrl(req.registry), CATALOG_PATH, req, what);
  const response = await deps.request({
    registry: req.registry,
    method: "GET",
    url: url.href,
    scopes: [{ type: "registry", name: "catalog", actions: ["*"] }],
    context: what,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(req.signal ? { signal: req.signal } : {}),
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
