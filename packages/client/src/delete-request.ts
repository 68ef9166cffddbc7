/** The DELETE requests of delete.ts and delete-repository.ts, and how a registry with deletes off is told apart. */
import { NotFoundError, RegistryError, UnsupportedError } from "@regatta/errors";
import type { Reference, RepositoryReference } from "@regatta/reference";
import type { RetryBudget } from "@regatta/transport";
import type { ClientContext } from "./context.js";
import { blobDelete } from "./registry-api/blobs.js";
import { manifestDelete } from "./registry-api/manifests.js";

const DELETE_DISABLED =
  "the registry does not allow deleting (distribution: set storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true)";

/** What is deleted: a manifest (by digest, or a tag) or a blob. */
export type Deletable = { manifest: string } | { blob: string };

/**
 * How a DELETE ended: `deleted`, or `already-deleted` when a retry found the thing gone after an attempt that failed
 * once sent (a 503 from a proxy, a reset): that attempt may have deleted it and lost its answer, so the retry's 404
 * says it is gone, not that it never was (see {@link goneAfterDelete}).
 */
export type DeleteOutcome = "deleted" | "already-deleted";

/**
 * Whether a DELETE's failure means the thing is gone all the same: a 404 when the caller knows it was there
 * (`rmrepo`: it just listed it), or a 404 answering a retry (`retried`), after an attempt that may have taken effect.
 * The one rule for both; a 404 to a first attempt of a DELETE by name still means no such thing.
 */
export function goneAfterDelete(error: unknown, known: { listed?: boolean; retried?: boolean }): boolean {
  return error instanceof NotFoundError && Boolean(known.listed || known.retried);
}

/** A DELETE of a manifest or a blob; failures are the transport's typed errors, unchanged. */
export async function deleteRequest(
  ctx: ClientContext,
  repo: RepositoryReference | Reference,
  what: Deletable,
  context: string,
  signal?: AbortSignal,
  retryBudget?: RetryBudget,
): Promise<void> {
  const target = {
    registry: repo.registry,
    repository: repo.repository,
    context,
    ...(signal ? { signal } : {}),
    ...(retryBudget ? { retryBudget } : {}),
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

/**
 * A DELETE, with a 405 / UNSUPPORTED answer turned into an UnsupportedError that says why, and a 404 after a retry
 * (or of a manifest the caller `listed`) counted as deleted ({@link goneAfterDelete}).
 */
export async function sendDelete(
  ctx: ClientContext,
  repo: RepositoryReference | Reference,
  what: Deletable,
  context: string,
  signal?: AbortSignal,
  known: { listed?: boolean } = {},
): Promise<DeleteOutcome> {
  // The retries of this DELETE, to tell a 404 to a retry from a 404 to the first attempt.
  const budget = ctx.transport.retryPolicy.budget();
  try {
    await deleteRequest(ctx, repo, what, context, signal, budget);
    return "deleted";
  } catch (error) {
    if (deletesDisabled(error)) throw disabledError(context, error);
    if (goneAfterDelete(error, { ...known, retried: budget.used > 0 })) return "already-deleted";
    throw error;
  }
}
