/**
 * Test helper: requests to a registry counted by method and endpoint kind of the distribution API
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints), for the request-count tests
 * of sync (sync-requests.test.ts against the fake registry, sync-requests.int.test.ts against distribution).
 */

/** `METHOD kind` of a request: `GET tags`, `HEAD manifest by tag`, `POST mount`, `PUT upload`, `HEAD blob`… */
export function requestKind(method: string, pathAndQuery: string): string {
  const [path = "", query = ""] = pathAndQuery.split("?");
  if (path.endsWith("/tags/list")) return `${method} tags`;
  if (path.includes("/manifests/sha256:")) return `${method} manifest by digest`;
  if (path.includes("/manifests/")) return `${method} manifest by tag`;
  if (path.includes("/blobs/uploads/")) {
    if (method === "POST") return query.includes("mount=") ? "POST mount" : "POST upload";
    return `${method} upload`;
  }
  if (path.includes("/blobs/")) return `${method} blob`;
  return `${method} ${path}`;
}

/** How many of each kind `requests` holds; empties the list, so the next count starts afresh. */
export function countKinds(requests: { method: string; path: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) {
    const kind = requestKind(r.method, r.path);
    out[kind] = (out[kind] ?? 0) + 1;
  }
  requests.length = 0;
  return out;
}
