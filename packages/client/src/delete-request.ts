/** The DELETE requests of delete.ts and delete-repository.ts, and how a registry with deletes off is told apart. */
import { RegistryError, UnsupportedError } from "@regatta/errors";
import type { Reference, RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "./context.js";
import { blobDelete } from "./registry-api/blobs.js";
import { manifestDelete } from "./registry-api/manifests.js";

const DELETE_DISABLED =
  "the registry does not allow deleting (distribution: set storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true)";

/** What is deleted: a manifest (by digest, or a tag) or a blob. */
export type Deletable = { manifest: string } | { blob: string };

/** A DELETE of a manifest or a blob; failures are the transport's typed errors, unchanged. */
export async function deleteRequest(
  ctx: ClientContext,
  repo: RepositoryReference | Reference,
  what: Deletable,
  context: string,
  signal?: AbortSignal,
): Promise<void> {
  const target = {
    registry: repo.registry,
    repository: repo.repository,
    context,
    ...(signal ? { signal } : {}),
  };
  if ("blob" in what) await blobDelete(ctx.transport, { ...target, digest: what.blob });
  else await manifestDelete(ctx.transport, { ...target, reference: what.manifest });
}

/** Whether a registry error says deletes are switched off (distribution: 405 UNSUPPORTED). */
export const deletesDisabled = (error: unknown) =>
  error instanceof RegistryError && (error.status === 405 || error.code === "UNSUPPORTED");

/** The UnsupportedError for a registry with deletes switched off, saying what was (not) changed. */
export function disabledError(context: string, error: unknown, outcome = ""): UnsupportedError {
  return new UnsupportedError(`${context}: ${DELETE_DISABLED}${outcome}`, {
    cause: error,
    status: (error instanceof RegistryError && error.status) || 405,
    ...(error instanceof RegistryError && error.request ? { request: error.request } : {}),
  });
}

/** A DELETE, with a 405 / UNSUPPORTED answer turned into an UnsupportedError that says why. */
export async function sendDelete(
  ctx: ClientContext,
  repo: RepositoryReference | Reference,
  what: Deletable,
  context: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await deleteRequest(ctx, repo, what, context, signal);
  } catch (error) {
    if (deletesDisabled(error)) throw disabledError(context, error);
    throw error;
  }
}
