/**
 * The tag list endpoint, `GET /v2/<name>/tags/list`, one page at a time: `n` and `last` for the first request, the
 * registry's `Link` for the next (pages.ts), a body checked to be a tag list
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags).
 */
import { repositoryScope } from "@regatta/auth";
import { notRegistrySuccess, ProtocolError } from "@regatta/errors";
import { type FetchedPage, nextPage, type PageDeps, type PageQuery, pageUrl } from "./pages.js";
import { tagsPath } from "./paths.js";

/** One page of tags as the registry answered it. */
export interface TagPage {
  /** Repository name as the registry reports it, e.g. `library/alpine`. */
  name: string;
  tags: string[];
  /** The last tag of this page when there are more pages: pass it as `last` to get the next. */
  last?: string;
  /** The next page's URL when there are more pages: pass it as `next` (works for every registry). */
  next?: string;
}

/** GET of one page of a repository's tags. An unknown repository is the registry's NotFoundError (NAME_UNKNOWN). */
export async function tagsGet(
  deps: PageDeps,
  req: PageQuery & { registry: string; repository: string; context: string; signal?: AbortSignal },
): Promise<FetchedPage<TagPage>> {
  const what = req.context;
  const url = pageUrl(deps.baseUrl(req.registry), tagsPath(req.repository), req, what);
  const response = await deps.request({
    registry: req.registry,
    method: "GET",
    url: url.href,
    scopes: [repositoryScope(req.repository, ["pull"])],
    context: what,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const body = await response.json<{ name?: string; tags?: string[] | null }>(16 * 1024 * 1024);
  if (!body || typeof body !== "object" || (body.tags != null && !Array.isArray(body.tags))) {
    throw new ProtocolError(`${what}: the registry answered something that is not a tag list`, {
      request: { method: "GET", url: response.url },
    });
  }
  // The spec's answer is `{"name": …, "tags": […]}` (distribution sends `"tags": null` once every tag is deleted); an
  // object with neither is another API's (`{"hello":"world"}`), which would otherwise read as a repository without
  // tags: from a host that does not announce the registry API, that host is the mistake.
  if (!("tags" in body) && !("name" in body)) {
    const answer = { method: "GET", url: response.url, status: response.status, headers: response.headers };
    throw (
      notRegistrySuccess({ ...answer, body: "", context: what }, { otherJson: true }) ??
      new ProtocolError(
        `${what}: the registry answered an object with neither name nor tags, not a tag list`,
        {
          request: { method: "GET", url: response.url },
        },
      )
    );
  }
  // The first page may name the repository otherwise (Artifactory answers it without its prefix, Harbor has answered
  // another spelling): skopeo and crane take the tags whatever the name, and so does Regatta. A later page naming
  // another repository than the first is refused where pages are followed (list-tags.ts tagPages); where a next link
  // may lead is checked in pages.ts.
  // distribution answers `"tags": null` for a repository whose tags were all deleted.
  const tags = (body.tags ?? []).filter((t): t is string => typeof t === "string");
  const page: TagPage = { name: body.name ?? req.repository, tags };
  const next = nextPage(response.headers.link, url, what, response.status);
  if (next) {
    page.next = next;
    const last = tags.at(-1);
    if (last !== undefined) page.last = last;
  }
  return { page, url: url.href };
}
