/**
 * What the endpoint functions need of the HTTP layer: a Transport, or in tests anything with its `request`. The
 * endpoints build the paths, scopes and expected statuses; the transport does the HTTP (auth, retries, redirects,
 * timeouts, typed errors).
 */
import { repositoryScope } from "@regatta/auth";
import type { RegistryRequest, RegistryResponse, RetryBudget } from "@regatta/transport";

/** Sends one registry request (`Transport.request`). */
export type RequestFn = (request: RegistryRequest) => Promise<RegistryResponse>;

/** Something that sends registry requests: a Transport. */
export interface Requester {
  request(request: RegistryRequest): Promise<RegistryResponse>;
}

/**
 * A DELETE of a manifest or a blob: the `delete` action on the repository, answered 202 (the spec), or 200/204 as
 * some registries do (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-manifests).
 */
export async function deleteAt(
  deps: Requester,
  req: {
    registry: string;
    repository: string;
    path: string;
    context: string;
    signal?: AbortSignal;
    retryBudget?: RetryBudget;
  },
): Promise<void> {
  const response = await deps.request({
    registry: req.registry,
    method: "DELETE",
    path: req.path,
    scopes: [repositoryScope(req.repository, ["delete"])],
    expect: [202, 200, 204],
    context: req.context,
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.retryBudget ? { retryBudget: req.retryBudget } : {}),
  });
  await response.dump();
}
