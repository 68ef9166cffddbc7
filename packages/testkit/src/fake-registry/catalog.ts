import type { FakeRegistry } from "./router.js";

/** `/v2/` (the ping) and `/v2/_catalog`. https://github.com/opencontainers/distribution-spec/blob/main/spec.md#api */
export function catalogRoutes(registry: FakeRegistry): void {
  const { flavour, store, route, respond, jsonResponse } = registry;
  for (const method of ["get", "head"] as const) {
    route(
      method,
      "",
      () => [],
      (request) => respond(request, 200, flavour.pingBody, { "Content-Type": flavour.jsonContentType }),
    );
  }
  route(
    "get",
    "_catalog",
    () => [{ type: "registry", name: "catalog", actions: ["*"] }],
    (request, _g, url) => {
      const names = [...store.repositories.keys()].sort();
      const nParam = Number.parseInt(url.searchParams.get("n") ?? "", 10);
      const n = Number.isNaN(nParam) || nParam < 0 ? flavour.catalogDefaultPageSize : nParam;
      const last = url.searchParams.get("last");
      const after = last ? names.filter((name) => name > last) : names;
      const page = after.slice(0, n);
      const headers: Record<string, string> = {};
      if (page.length > 0 && after.length > page.length) {
        const next = new URLSearchParams({ last: page[page.length - 1]!, n: String(n) });
        headers.Link = `</v2/_catalog?${next}>; rel="next"`;
      }
      return jsonResponse(request, 200, { repositories: page }, headers);
    },
  );
}
