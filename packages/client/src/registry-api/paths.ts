/**
 * Every `/v2/…` path Regatta asks a registry for, built here and nowhere else (as oras-go's registry/remote/url.go
 * does), each with the section of the distribution spec that defines it. `<name>` is a repository as a reference
 * holds it (`library/alpine`), `<reference>` a tag or a digest. The transport's own `GET /v2/` ping is the one path
 * below this layer (packages/transport/src/transport.ts).
 */

/**
 * `/v2/`: the API root, whose answer says a registry speaks the API and how it authenticates
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#determining-support).
 */
export const API_ROOT = "/v2/";

/** `/v2/<name>`: the prefix of every repository-scoped endpoint. */
export function repositoryPath(repository: string): string {
  return `/v2/${repository}`;
}

/**
 * `/v2/<name>/manifests/<reference>`: GET, HEAD, PUT and DELETE of a manifest by tag or digest
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests;
 * also #pushing-manifests, #deleting-tags and #deleting-manifests there).
 */
export function manifestPath(repository: string, reference: string): string {
  return `${repositoryPath(repository)}/manifests/${reference}`;
}

/**
 * `/v2/<name>/blobs/<digest>`: GET, HEAD and DELETE of a blob
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs;
 * also #checking-if-content-exists-in-the-registry and #deleting-blobs there).
 */
export function blobPath(repository: string, digest: string): string {
  return `${repositoryPath(repository)}/blobs/${digest}`;
}

/**
 * `/v2/<name>/blobs/uploads/`: the POST that opens an upload session, carries a single-request upload
 * (`?digest=`) or asks for a mount (`?mount=<digest>&from=<name>`)
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs;
 * also #mounting-a-blob-from-another-repository there). The session's later requests go to the Location it
 * answers with.
 */
export function uploadsPath(repository: string): string {
  return `${repositoryPath(repository)}/blobs/uploads/`;
}

/**
 * `/v2/<name>/tags/list`: one page of a repository's tags
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags).
 */
export function tagsPath(repository: string): string {
  return `${repositoryPath(repository)}/tags/list`;
}

/**
 * `/v2/_catalog`: one page of a registry's repositories. Not in the OCI spec; distribution's API defines it
 * (https://distribution.github.io/distribution/spec/api/#catalog), and most hosted registries refuse it.
 */
export const CATALOG_PATH = "/v2/_catalog";

/**
 * `/v2/<name>/referrers/<digest>`: the OCI 1.1 referrers API, an image index of the manifests whose `subject` is
 * `<digest>`, optionally `?artifactType=` filtered
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers). A registry without it
 * answers 404, and the referrers tag schema stands in (packages/client/src/referrers/fallback-tag.ts).
 */
export function referrersPath(repository: string, digest: string): string {
  return `${repositoryPath(repository)}/referrers/${digest}`;
}

/**
 * The path of a URL a registry sent (an upload Location, a next-page Link) as the registry's router would read it:
 * dot segments resolved (`new URL` already did, `%2e` ones included, per the WHATWG URL standard) and each segment
 * percent-decoded. Undefined when that reading is ambiguous, which a path to be checked against one of the above
 * must not be: an encoding that does not decode, or a segment that decodes to a dot segment (also with path
 * parameters, `..;x`) or holds a `/` or `\` (`..%2f`, `%2e%2e%2f`: a server that decodes before it routes would
 * climb out of where the check saw it).
 */
export function decodedPath(url: URL): string | undefined {
  const decoded: string[] = [];
  for (const segment of url.pathname.split("/")) {
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    // A servlet container (Tomcat, Jetty: Artifactory, Nexus) drops a segment's `;parameters` before it resolves dot
    // segments, so `..;x` climbs there while a URL parser keeps it as a name: judged by the part before the `;`.
    const name = text.split(";", 1)[0];
    if (name === "." || name === ".." || /[/\\]/.test(text)) return undefined;
    decoded.push(text);
  }
  return decoded.join("/");
}
