/**
 * The manifest endpoints, `/v2/<name>/manifests/<reference>` (as regclient's scheme/reg/manifest.go): the HTTP
 * exchange of GET, HEAD, PUT and DELETE, with the scopes and statuses each needs. What the answers mean (digests
 * checked, indexes resolved, refusals explained) is the verbs' work: get-manifest.ts, put-manifest.ts, delete.ts.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 */
import { pushScope, repositoryScope } from "@regatta/auth";
import { MAX_MANIFEST_BYTES } from "@regatta/manifest";
import type { RegistryResponse, RetryBudget } from "@regatta/transport";
import { manifestPath } from "./paths.js";
import { deleteAt, type Requester } from "./request.js";

/** A manifest by tag or digest. */
export interface ManifestTarget {
  registry: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
  /** What is being done, for messages: "get manifest alpine:3". */
  context: string;
  signal?: AbortSignal;
  /**
   * The token actions a read asks with: `pull` by default; a push or copy looking at its target asks `pull,push`, as
   * its upload will, so a refusal names the push (`push to REPO`), not a pull, and one token serves both.
   */
  actions?: readonly string[];
}

/**
 * GET of a manifest: its exact bytes (at most {@link MAX_MANIFEST_BYTES}) and the answer they came with. `accept`
 * is the `Accept` header: the media types the caller can read.
 */
export async function manifestGet(
  deps: Requester,
  req: ManifestTarget & { accept: string },
): Promise<{ response: RegistryResponse; bytes: Uint8Array }> {
  const response = await read(deps, "GET", req);
  return { response, bytes: await response.bytes(MAX_MANIFEST_BYTES) };
}

/**
 * HEAD of a manifest: the answer, its (empty) body released. A registry names the manifest in
 * `Docker-Content-Digest`, its type and size in `Content-Type` and `Content-Length`.
 */
export async function manifestHead(
  deps: Requester,
  req: ManifestTarget & { accept: string },
): Promise<RegistryResponse> {
  const response = await read(deps, "HEAD", req);
  await response.dump();
  return response;
}

/** A GET or HEAD of a manifest, with the pull scope. */
function read(deps: Requester, method: "GET" | "HEAD", req: ManifestTarget & { accept: string }) {
  return deps.request({
    registry: req.registry,
    method,
    path: manifestPath(req.repository, req.reference),
    headers: { accept: req.accept },
    scopes: [repositoryScope(req.repository, req.actions ?? ["pull"])],
    context: req.context,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(req.signal ? { signal: req.signal } : {}),
  });
}

/**
 * PUT of a manifest's exact bytes as `mediaType`, answered 201 (or 200, 202, 204 as some registries do); the answer
 * is returned, its body released
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests).
 */
export async function manifestPut(
  deps: Requester,
  req: ManifestTarget & { bytes: Uint8Array; mediaType: string },
): Promise<RegistryResponse> {
  const response = await deps.request({
    registry: req.registry,
    method: "PUT",
    path: manifestPath(req.repository, req.reference),
    headers: { "content-type": req.mediaType },
    body: req.bytes,
    scopes: [pushScope(req.repository)],
    expect: [201, 200, 202, 204],
    context: req.context,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(req.signal ? { signal: req.signal } : {}),
  });
  await response.dump();
  return response;
}

/**
 * DELETE of a manifest by digest, or of a tag (OCI distribution 1.1)
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-manifests); failures are the
 * transport's typed errors, unchanged.
 */
export async function manifestDelete(
  deps: Requester,
  req: ManifestTarget & { retryBudget?: RetryBudget },
): Promise<void> {
  await deleteAt(deps, {
    registry: req.registry,
    repository: req.repository,
    path: manifestPath(req.repository, req.reference),
    context: req.context,
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.retryBudget ? { retryBudget: req.retryBudget } : {}),
  });
}
