import { repoAccess } from "./authorize.js";
import { NAME, SHA256 } from "./grammar.js";
import type { FakeRegistry } from "./router.js";

/** What a stored manifest says of itself, as far as a referrers listing needs it. */
interface ManifestFields {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string };
  subject?: { digest?: string };
  annotations?: Record<string, string>;
}

/**
 * `GET /v2/<name>/referrers/<digest>`, for flavours that have it (`flavour.referrers`): an OCI index of every manifest
 * of the repository whose `subject` is the digest, sorted by digest, `artifactType`-filtered when the flavour
 * filters (and then saying so in `OCI-Filters-Applied`), in pages of `pageSize` linked by `Link` when it is set.
 * An unknown subject is an empty list, not a 404: the spec keeps 404 for "no API".
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers
 */
export function referrerRoutes(registry: FakeRegistry): void {
  const { flavour, store, route, respond, errorResponse } = registry;
  const api = flavour.referrers;
  if (!api) return;
  route(
    "get",
    `(${NAME})/referrers/([^/]+)`,
    ([name]) => [repoAccess(name!, "pull")],
    (request, [name, digest], url) => {
      if (!SHA256.test(digest!)) return errorResponse(request, 400, [{ code: "DIGEST_INVALID" }]);
      const wanted = url.searchParams.get("artifactType");
      const filter = api.filtering && wanted !== null;
      const repo = store.repository(name!);
      let manifests = [...(repo?.manifests ?? [])]
        .map(([d, m]) => ({ d, m, fields: JSON.parse(m.bytes.toString("utf8")) as ManifestFields }))
        .filter(({ fields }) => fields.subject?.digest === digest)
        .map(({ d, m, fields }) => {
          const artifactType = fields.artifactType ?? fields.config?.mediaType;
          return {
            mediaType: m.mediaType,
            digest: d,
            size: m.bytes.byteLength,
            ...(artifactType ? { artifactType } : {}),
            ...(fields.annotations ? { annotations: fields.annotations } : {}),
          };
        })
        .filter((m) => !filter || m.artifactType === wanted)
        .sort((a, b) => (a.digest < b.digest ? -1 : 1));
      const headers: Record<string, string> = { "Content-Type": "application/vnd.oci.image.index.v1+json" };
      if (filter) headers["OCI-Filters-Applied"] = "artifactType";
      const after = url.searchParams.get("last");
      if (after) manifests = manifests.filter((m) => m.digest > after);
      if (api.pageSize !== undefined && manifests.length > api.pageSize) {
        manifests = manifests.slice(0, api.pageSize);
        const query = new URLSearchParams({ last: manifests.at(-1)!.digest });
        if (wanted !== null) query.set("artifactType", wanted);
        headers.Link = `</v2/${name}/referrers/${digest}?${query}>; rel="next"`;
      }
      const body = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests };
      return respond(request, 200, JSON.stringify(body), headers);
    },
  );
}
