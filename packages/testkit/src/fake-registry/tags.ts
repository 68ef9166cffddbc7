import { repoAccess } from "./authorize.js";
import { NAME } from "./grammar.js";
import type { FakeRegistry } from "./router.js";

/** `GET /v2/<name>/tags/list`, paginated as the flavour does. https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags */
export function tagRoutes(registry: FakeRegistry): void {
  const { flavour, store, route, jsonResponse, errorResponse } = registry;
  route(
    "get",
    `(${NAME})/tags/list`,
    ([name]) => [repoAccess(name!, "pull")],
    (request, [name], url) => {
      const repo = store.repository(name!);
      if (!repo?.tags) return errorResponse(request, 404, [{ code: "NAME_UNKNOWN", detail: { name } }]);
      let tags = [...repo.tags.keys()].sort();
      const headers: Record<string, string> = {};
      if (flavour.tagsPagination) {
        const paging = flavour.tagsPaging;
        const last = paging?.after ? paging.after(url) : url.searchParams.get("last");
        if (last) tags = tags.filter((t) => t > last);
        const nParam = Number.parseInt(url.searchParams.get("n") ?? "", 10);
        const n = !Number.isNaN(nParam) && nParam >= 0 ? nParam : paging?.defaultSize;
        if (n !== undefined && tags.length > n) {
          tags = tags.slice(0, n);
          const lastTag = tags[tags.length - 1] ?? "";
          headers.Link = paging
            ? paging.link({ name: name!, last: lastTag, n, origin: url.origin })
            : `</v2/${name}/tags/list?${new URLSearchParams({ last: lastTag, n: String(n) })}>; rel="next"`;
        }
      }
      const value = tags.length === 0 && flavour.emptyTagsAsNull ? null : tags;
      const body = flavour.tagsBody?.({ name: name!, tags: value, repository: repo }) ?? {
        name,
        tags: value,
      };
      return jsonResponse(request, 200, body, headers);
    },
  );
}
