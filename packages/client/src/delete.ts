import { createHash, randomBytes } from "node:crypto";
import {
  AbortError,
  AuthenticationError,
  AuthorizationError,
  NotFoundError,
  ProtocolError,
  RegattaError,
  RegistryError,
  UsageError,
} from "@regatta/errors";
import { parseDigest } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import {
  type ClientContext,
  type ReferenceInput,
  type RepositoryInput,
  toReferenceToDelete,
  toRepository,
} from "./context.js";
import { deleteRequest, deletesDisabled, disabledError, sendDelete } from "./delete-request.js";
import { getManifest, headManifest, type ManifestResult } from "./get-manifest.js";
import { mapConcurrent } from "./map-concurrent.js";
import { type DeletedReferrer, deleteReferrers, referrersToDelete } from "./referrers/delete-referrers.js";
import { removeFromFallbackIndex } from "./referrers/fallback-tag.js";
import { listReferrers } from "./referrers/list-referrers.js";
import { hasReferrersApi } from "./referrers/referrers-api.js";
import {
  indexesListing,
  type ListingIndex,
  type TagHead,
  type TagWalkOptions,
  tagHeads,
  tagsNaming,
  tagsOf,
} from "./tags-for-digest.js";
import { moveTagToThrowaway, restoreTag } from "./untag.js";

export { deleteRepository } from "./delete-repository.js";

/** Options of {@link deleteManifest}. */
export interface DeleteManifestOptions extends TagWalkOptions {
  /** Delete even when other tags name the manifest (they go with it), or when there are too many tags to check. */
  force?: boolean;
  /**
   * Delete the manifest's referrers first (signatures, SBOMs, attestations; theirs in turn; cosign's tags), deepest
   * first, and their entries in the fallback tag indexes (referrers/delete-referrers.ts). Default false: they stay,
   * findable by the deleted manifest's digest.
   */
  referrers?: boolean;
  /** Find everything that would be deleted, and delete nothing. */
  dryRun?: boolean;
}

/** What became of the referrers of a deleted manifest. */
export interface ReferrersOfDeleted {
  /** How many referrers the manifest had (its own; theirs are in `list`). */
  count: number;
  /**
   * True with `referrers: true`; false: they remain in the registry, findable by the manifest's digest. A dry run
   * deletes nothing: false there, with `wouldDelete`.
   */
  deleted: boolean;
  /** A dry run with `referrers: true`: they would be deleted (`list`, in order); `deleted` is false. */
  wouldDelete?: boolean;
  /** With `referrers: true`: every referrer, theirs too, deepest first, as deleted (or, in a dry run, to be). */
  list: DeletedReferrer[];
  /** Fallback tags (`sha256-<hex>`) rewritten or deleted. */
  fallbackTags: string[];
  /** Whether the registry has the referrers API (false: the fallback tag indexes were read, and kept). */
  api: boolean;
}

/** What {@link deleteManifest} removed. */
export interface DeletedManifest {
  reference: Reference;
  digest: string;
  /** Every tag that named the manifest, and so is gone with it. */
  tags: string[];
  /**
   * False when the repository had more tags than the walk's limit and `force` deleted without walking them: other
   * tags may have named the manifest too, and are gone if they did.
   */
  tagsComplete: boolean;
  /**
   * The tagged indexes of the repository that list it (deleted only with `force`): they now name a missing
   * manifest. Untagged indexes, and indexes listing it through a nested index, are not looked for.
   */
  indexes?: ListingIndex[];
  /** Its referrers: how many, and whether they were deleted. Absent when they could not be listed. */
  referrers?: ReferrersOfDeleted;
  /**
   * The manifest was itself a referrer (it has a `subject`): the subject's digest, and the fallback tag it was taken
   * out of where the registry has no referrers API.
   */
  subject?: { digest: string; fallbackTag?: string };
  /** Nothing was deleted: this is what would have been. */
  dryRun?: boolean;
  /**
   * The DELETE failed once sent (a 503 from a proxy, a reset) and its retry found the manifest gone: the attempt
   * whose answer was lost deleted it (or another client did meanwhile). Gone all the same.
   */
  alreadyDeleted?: boolean;
}

/**
 * Deletes a manifest by digest (`DELETE /v2/<name>/manifests/<digest>`): every tag that names it goes with it, so
 * those tags are found first (the tag list and a HEAD per tag) and named in the result. Given a tag, the digest is
 * taken from the manifest's bytes (not a header, which a broken proxy may get wrong), and the delete is refused
 * (UsageError, code OTHER_TAGS) when other tags name the same manifest, unless `force`: deleting `app:old` must not
 * silently take `app:latest` with it. Use {@link deleteTag} to remove one tag only. It is also refused (code
 * IN_INDEX) when a tagged index of the repository lists the manifest, unless `force`: that index would name a missing
 * manifest (one GET per distinct tagged index; untagged and nested indexes are not looked for).
 *
 * Referrers (signatures, SBOMs) are counted and left in place, findable by the deleted digest; `referrers: true`
 * deletes them first, and their fallback index entries (see {@link DeleteManifestOptions.referrers}). Nothing is
 * half-done: deletes are probed first (a registry with deletes off changes nothing), and if a referrer cannot be
 * deleted the manifest is not. A manifest that is itself a referrer is taken out of its subject's fallback index.
 */
export async function deleteManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  options: DeleteManifestOptions = {},
): Promise<DeletedManifest> {
  const ref = toReferenceToDelete(ctx, input, "REPO:TAG or REPO@DIGEST");
  const sig = options.signal ? { signal: options.signal } : {};
  // The registry itself, never a mirror (mirrors.ts): what is deleted must be what the registry names.
  // Read whole (not a HEAD) for its `subject`: a referrer deleted must leave its subject's fallback index too.
  const fetched = await getManifest(ctx, ref, { ...sig, mirrors: false }).catch((error: unknown) => {
    // A digest the registry cannot serve (a schema it will not parse) can still be deleted by that digest.
    if (
      ref.digest &&
      !(error instanceof NotFoundError) &&
      !(error instanceof AbortError) &&
      error instanceof RegattaError
    )
      return undefined;
    throw error;
  });
  const digest = ref.digest ?? (fetched as ManifestResult).digest;
  let heads: Map<string, TagHead>;
  let tagsComplete = true;
  try {
    heads = await tagHeads(ctx, ref.repositoryOnly(), options);
  } catch (error) {
    if (!(options.force && error instanceof UsageError && error.code === "TOO_MANY_TAGS")) throw error;
    heads = new Map();
    tagsComplete = false;
  }
  let tags = tagsOf(heads, digest);
  if (ref.tag && !ref.digest && !tags.includes(ref.tag)) tags = [...tags, ref.tag].sort();
  const others = tags.filter((t) => t !== ref.tag);
  if (ref.tag && !ref.digest && others.length && !options.force) {
    throw new UsageError(
      `delete ${ref.familiar()}: the manifest ${digest} is also tagged ${others.join(", ")}; deleting it removes every one of those tags`,
      {
        code: "OTHER_TAGS",
        hint: `use rmtag ${ref.familiar()} to remove only this tag, or --force to delete the manifest and all ${tags.length} tags`,
      },
    );
  }
  // The tagged indexes that list it: deleting it would leave them naming a missing manifest.
  const indexes = await indexesListing(ctx, ref.repositoryOnly(), digest, heads, options);
  if (indexes.length && !options.force) {
    const one = indexes.length === 1;
    throw new UsageError(
      `delete ${ref.familiar()}: the manifest ${digest} is listed by the ${one ? "index" : "indexes"} ${indexesText(indexes)} in ${ref.name}; deleting it breaks ${one ? "that index" : "those indexes"} (a pull of that platform fails)`,
      {
        code: "IN_INDEX",
        hint: `delete the ${one ? "index" : "indexes"} first, or --force to delete the manifest anyway`,
      },
    );
  }
  const context = `delete manifest ${ref.familiar()}`;
  const pinned = ref.withDigest(digest);
  const referrers = options.referrers
    ? await referrersToDelete(ctx, pinned, sig)
    : await listReferrers(ctx, pinned, { ...sig, mirrors: false }).then(
        (found) => ({ count: found.referrers.length, api: found.api }),
        (error: unknown) => {
          // Only a count for a note: the delete does not depend on it.
          if (error instanceof AbortError || !(error instanceof RegattaError)) throw error;
          return undefined;
        },
      );
  const subject = subjectOf(fetched?.manifest);
  const result: DeletedManifest = { reference: pinned, digest, tags, tagsComplete };
  if (indexes.length) result.indexes = indexes;
  if (referrers && "tree" in referrers) {
    result.referrers = {
      count: referrers.tree.referrers.length,
      deleted: true,
      list: referrers.order,
      fallbackTags: [],
      api: referrers.tree.api,
    };
  } else if (referrers) {
    result.referrers = {
      count: referrers.count,
      deleted: false,
      list: [],
      fallbackTags: [],
      api: referrers.api,
    };
  }
  if (subject) result.subject = { digest: subject };
  if (options.dryRun) {
    const planned = result.referrers?.deleted
      ? { referrers: { ...result.referrers, deleted: false, wouldDelete: true } }
      : {};
    return { ...result, ...planned, dryRun: true };
  }

  if (referrers && "tree" in referrers && referrers.order.length > 0) {
    await probeDeletes(ctx, ref, `${context} --referrers`, options.signal);
    const done = await deleteReferrers(
      ctx,
      ref.repositoryOnly(),
      referrers.order,
      referrers.tree.api,
      (d) => deleteRequest(ctx, ref, { manifest: d }, `delete referrer ${ref.name}@${d}`, options.signal),
      sig,
    );
    (result.referrers as ReferrersOfDeleted).fallbackTags = done.fallbackTags;
    if (done.failed) {
      const { referrer, error } = done.failed;
      const outcome = `; ${done.deleted.length} of ${referrers.order.length} referrers were deleted before it (and taken out of the fallback indexes), the manifest ${digest} was not deleted`;
      if (deletesDisabled(error))
        throw disabledError(`${context}: delete referrer ${referrer.digest}`, error, outcome);
      throw withOutcome(error, outcome);
    }
  }
  if ((await sendDelete(ctx, ref, { manifest: digest }, context, options.signal)) === "already-deleted") {
    result.alreadyDeleted = true;
  }
  if (subject) {
    try {
      // A registry with the API forgets the referrer itself; without it, the subject's fallback index still lists it.
      if (!(await hasReferrersApi(ctx, ref.repositoryOnly(), subject, sig))) {
        const updated = await removeFromFallbackIndex(ctx, ref.repositoryOnly(), subject, digest, sig);
        if (updated.written) result.subject = { digest: subject, fallbackTag: updated.tag };
      }
    } catch (error) {
      throw withOutcome(
        error,
        `; the manifest ${digest} was deleted, but its subject ${subject}'s fallback index still lists it`,
      );
    }
  }
  return result;
}

/** `idx (sha256:…) and v2, v2-arm (sha256:…)`: each index's tags and digest. */
function indexesText(indexes: readonly ListingIndex[]): string {
  return indexes.map((i) => `${i.tags.join(", ")} (${i.digest})`).join(" and ");
}

/** The `subject` digest of a manifest (image or index), when it has one. */
function subjectOf(manifest: unknown): string | undefined {
  const subject = (manifest as { subject?: { digest?: unknown } } | undefined)?.subject;
  return typeof subject?.digest === "string" ? subject.digest : undefined;
}

/** A typed error with `outcome` (what was and was not changed) added to its message, its class and code kept. */
function withOutcome(error: unknown, outcome: string): unknown {
  if (!(error instanceof RegattaError)) return error;
  return new (error.constructor as typeof RegattaError)(`${error.message}${outcome}`, {
    code: error.code,
    errors: error.errors,
    cause: error,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.request ? { request: error.request } : {}),
  });
}

/** How {@link deleteTag} removed the tag. */
export type TagDeleteMethod =
  /** OCI distribution 1.1's `DELETE /v2/<name>/manifests/<tag>`. */
  | "tag-delete"
  /** The tag moved to a throwaway manifest, deleted by digest (registries that delete by digest only). */
  | "untag";

/** What {@link deleteTag} did. */
export interface DeletedTag {
  reference: Reference;
  /** The manifest the tag named; it stays, as do its other tags. */
  digest: string;
  method: TagDeleteMethod;
  /** The other tags that name the manifest, checked afterwards to still name it. */
  kept: string[];
}

/**
 * Deletes one tag, leaving the manifest and every other tag (as regclient's TagDelete, scheme/reg/tag.go):
 *
 * 1. OCI distribution 1.1's tag delete, `DELETE /v2/<name>/manifests/<tag>`
 *    (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-tags);
 * 2. where the registry refuses that (distribution 2.x: 400 DIGEST_INVALID; others 405 or 404), the safe untag: a
 *    throwaway manifest is pushed to the tag and deleted by digest. A delete of a digest nobody has is sent first
 *    to learn whether deletes are allowed at all, so on a registry with deletes off nothing is pushed; if the final
 *    delete still fails, the original manifest is put back under the tag.
 *
 * Afterwards the tag must be gone and the other tags that named the manifest must still name it; a registry whose
 * tag delete took them too gets them put back, and the call fails saying so.
 */
export async function deleteTag(
  ctx: ClientContext,
  input: ReferenceInput,
  options: TagWalkOptions = {},
): Promise<DeletedTag> {
  const ref = toReferenceToDelete(ctx, input, "REPO:TAG");
  if (ref.digest || !ref.tag) {
    throw new UsageError(
      `delete tag needs a tag, not a digest: ${ref.familiar()} (use delete to remove a manifest)`,
    );
  }
  const { signal } = options;
  const context = `delete tag ${ref.familiar()}`;
  const original = await getManifest(ctx, ref, { ...(signal ? { signal } : {}), mirrors: false });
  // The other tags, to check afterwards. Past the walk's limit the check is skipped rather than the untag refused:
  // the untag itself moves no other tag; the check only catches a registry whose "tag delete" misbehaves.
  const kept = (
    await tagsNaming(ctx, ref.repositoryOnly(), original.digest, options).catch((error: unknown) => {
      if (error instanceof UsageError && error.code === "TOO_MANY_TAGS") return [];
      throw error;
    })
  ).filter((t) => t !== ref.tag);

  let method: TagDeleteMethod = "tag-delete";
  try {
    await deleteRequest(ctx, ref, { manifest: ref.tag }, context, signal);
  } catch (error) {
    if (!tagDeleteRefused(error)) throw error;
    method = "untag";
  }
  if (method === "untag") {
    await probeDeletes(ctx, ref, context, signal);
    const throwaway = await moveTagToThrowaway(ctx, ref, original.mediaType, signal);
    try {
      await deleteRequest(ctx, ref, { manifest: throwaway.digest }, context, signal);
    } catch (error) {
      await restoreTag(ctx, ref, original, throwaway.digest, signal);
      const outcome = `; ${ref.familiar()} was put back to ${original.digest}, nothing changed`;
      if (deletesDisabled(error)) throw disabledError(context, error, outcome);
      throw withOutcome(error, outcome);
    }
  }
  await checkAfterTagDelete(ctx, ref, original, kept, method, signal);
  return { reference: ref, digest: original.digest, method, kept };
}

/**
 * Whether a tag DELETE was refused as "not this way" rather than failing: distribution 2.x answers 400
 * DIGEST_INVALID, others 405 / UNSUPPORTED, some 404 for a tag they only look up by digest (the tag was just read, so
 * a 404 here is not "no such tag").
 */
function tagDeleteRefused(error: unknown): boolean {
  if (!(error instanceof RegistryError)) return false;
  if (error instanceof AuthenticationError || error instanceof AuthorizationError) return false;
  return (
    deletesDisabled(error) ||
    error.status === 404 ||
    (error.status === 400 && ["DIGEST_INVALID", "UNSUPPORTED", "TAG_INVALID"].includes(error.code))
  );
}

/**
 * Sends a DELETE of a manifest digest that exists nowhere (a random one): harmless, and it says whether deletes are
 * allowed (404 MANIFEST_UNKNOWN) or switched off (405 UNSUPPORTED), and whether the credentials may delete (401/403),
 * before anything is pushed.
 */
async function probeDeletes(ctx: ClientContext, ref: Reference, context: string, signal?: AbortSignal) {
  const nowhere = `sha256:${createHash("sha256").update(randomBytes(32)).digest("hex")}`;
  try {
    await deleteRequest(ctx, ref, { manifest: nowhere }, context, signal);
  } catch (error) {
    if (deletesDisabled(error)) throw disabledError(context, error, "; nothing was changed");
    if (error instanceof AuthenticationError || error instanceof AuthorizationError) throw error;
    // 404 (the expected answer) or anything else: the untag itself will tell, and puts the tag back if it fails.
  }
}

/** The tag is gone and its siblings still name the manifest; siblings a registry removed are put back. */
async function checkAfterTagDelete(
  ctx: ClientContext,
  ref: Reference,
  original: ManifestResult,
  kept: string[],
  method: TagDeleteMethod,
  signal?: AbortSignal,
): Promise<void> {
  const now = async (tag: string, s = signal) => {
    try {
      return (await headManifest(ctx, ref.withTag(tag), { ...(s ? { signal: s } : {}), mirrors: false }))
        .digest;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  };
  const still = await now(ref.tag as string);
  if (still !== undefined) {
    throw new ProtocolError(
      `delete tag ${ref.familiar()}: the registry accepted the ${method} but the tag still names ${still}`,
      { code: "TAG_NOT_DELETED" },
    );
  }
  // Only tags that are gone are put back: one that names another digest now was moved by someone else meanwhile,
  // and writing over it would undo their push.
  const after = await mapConcurrent(kept, ctx.concurrency, (tag, _i, s) => now(tag, s), signal);
  const moved = kept.filter((_, i) => after[i] === undefined);
  if (!moved.length) return;
  for (const tag of moved) await restoreTag(ctx, ref.withTag(tag), original, undefined, signal);
  throw new ProtocolError(
    `delete tag ${ref.familiar()}: the registry's ${method} also removed ${moved.join(", ")} (it deleted the manifest, not the tag); they were put back to ${original.digest}`,
    { code: "OTHER_TAGS_REMOVED" },
  );
}

/** Deletes a blob from a repository (`DELETE /v2/<name>/blobs/<digest>`). */
export async function deleteBlob(
  ctx: ClientContext,
  repository: RepositoryInput,
  digest: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  parseDigest(digest);
  const repo = toRepository(ctx, repository);
  await sendDelete(ctx, repo, { blob: digest }, `delete blob ${digest} from ${repo.name}`, options.signal);
}
