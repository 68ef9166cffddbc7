/**
 * The referrers endpoint, `GET /v2/<name>/referrers/<digest>`, one page at a time: the first by the subject's digest
 * and an optional `artifactType` filter, the next by the registry's `Link` (pages.ts, as tags). The answer is an OCI
 * image index whose `manifests` are the referrers' descriptors; `OCI-Filters-Applied: artifactType` says the
 * registry filtered (it MAY not, and then the caller must)
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers). What a 404 means
 * (no API: use the tag schema) is the caller's business: packages/client/src/referrers/.
 */
import { repositoryScope } from "@regatta/auth";
import { ProtocolError } from "@regatta/errors";
import { type Descriptor, MAX_MANIFEST_BYTES, OCI_INDEX, parseManifest } from "@regatta/manifest";
import { type FetchedPage, nextPage, type PageDeps, pageUrl } from "./pages.js";
import { referrersPath } from "./paths.js";

/** One page of referrers as the registry answered it. */
export interface ReferrersPage {
  /** The referrers' descriptors (`mediaType`, `digest`, `size`, `artifactType`, `annotations`). */
  manifests: Descriptor[];
  /** The filters the registry says it applied (`OCI-Filters-Applied`, comma-separated), e.g. `["artifactType"]`. */
  filtersApplied: string[];
  /** The next page's URL, when the registry linked one. */
  next?: string;
}

/** GET of one page of referrers. A registry without the API answers 404: the transport's NotFoundError. */
export async function referrersGet(
  deps: PageDeps,
  req: {
    registry: string;
    repository: string;
    digest: string;
    artifactType?: string | undefined;
    next?: string | undefined;
    context: string;
    signal?: AbortSignal;
  },
): Promise<FetchedPage<ReferrersPage>> {
  const what = req.context;
  const url = pageUrl(
    deps.baseUrl(req.registry),
    referrersPath(req.repository, req.digest),
    req.next ? { next: req.next } : {},
    what,
  );
  if (!req.next && req.artifactType !== undefined) url.searchParams.set("artifactType", req.artifactType);
  const response = await deps.request({
    registry: req.registry,
    method: "GET",
    url: url.href,
    headers: { accept: OCI_INDEX },
    scopes: [repositoryScope(req.repository, ["pull"])],
    context: what,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const bytes = await response.bytes(MAX_MANIFEST_BYTES);
  let manifests: Descriptor[];
  try {
    // The answer is an image index (the spec: "the response MUST be an image index"); parsing it checks every
    // descriptor. Its Content-Type is not trusted to say so: the body's shape decides.
    const parsed = parseManifest(bytes, OCI_INDEX);
    if (parsed.kind !== "index") throw new Error(`a ${parsed.kind} manifest`);
    manifests = [...parsed.manifest.manifests];
  } catch (error) {
    throw new ProtocolError(`${what}: the registry answered something that is not a referrers index`, {
      request: { method: "GET", url: response.url },
      cause: error,
    });
  }
  const filtersApplied = (response.headers["oci-filters-applied"] ?? "")
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const page: ReferrersPage = { manifests, filtersApplied };
  const next = nextPage(response.headers.link, url, what, response.status);
  if (next) page.next = next;
  return { page, url: url.href };
}
