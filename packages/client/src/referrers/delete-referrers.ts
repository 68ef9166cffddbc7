/**
 * The referrers of a manifest being deleted (`reg.deleteManifest(ref, { referrers: true })`, `regatta delete
 * --referrers`): every referrer, theirs in turn (a signature of an SBOM), and cosign's `.sig`/`.att`/`.sbom` tags,
 * deleted by digest, deepest first, so nothing is ever left referring to a manifest already gone; where the registry
 * has no referrers API, each deleted referrer is taken out of its subject's fallback tag index as its level is done
 * (and an index left empty is deleted with its tag: fallback-tag.ts). The spec leaves this to clients: "a client
 * SHOULD delete the referrers of a manifest before the manifest", and a registry without the API never does it
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#deleting-manifests).
 */
import { NotFoundError } from "@regatta/errors";
import type { Reference, RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { removeFromFallbackIndex } from "./fallback-tag.js";
import type { ReferrerSource } from "./list-referrers.js";
import { type ReferrerNode, type ReferrerTree, referrerTree } from "./referrer-tree.js";

/** One referrer deleted (or, in a dry run, to be deleted). */
export interface DeletedReferrer {
  digest: string;
  /** The manifest it refers to. */
  subject: string;
  source: ReferrerSource;
  /** The tag it went with: the fallback tag that listed it, or cosign's tag that named it. */
  tag?: string;
  artifactType?: string;
}

/** The referrers of `subject` to delete, deepest first (the order {@link deleteReferrers} deletes them in). */
export async function referrersToDelete(
  ctx: ClientContext,
  subject: Reference,
  options: { signal?: AbortSignal } = {},
): Promise<{ tree: ReferrerTree; order: DeletedReferrer[] }> {
  // The registry itself, never a mirror: what is deleted must be what the registry lists.
  const tree = await referrerTree(ctx, subject, { ...options, mirrors: false });
  const order: DeletedReferrer[] = [];
  const seen = new Set<string>();
  const visit = (nodes: readonly ReferrerNode[], parent: string) => {
    for (const node of nodes) {
      visit(node.referrers, node.digest);
      // A digest met twice (a referrer cycle, or one found by the API and a cosign tag) is deleted once.
      if (seen.has(node.digest) || node.digest === tree.digest) continue;
      seen.add(node.digest);
      order.push({
        digest: node.digest,
        subject: parent,
        source: node.source,
        ...(node.tag !== undefined ? { tag: node.tag } : {}),
        ...(node.artifactType !== undefined ? { artifactType: node.artifactType } : {}),
      });
    }
  };
  visit(tree.referrers, tree.digest);
  return { tree, order };
}

/** What {@link deleteReferrers} did, also when it stopped half-way (`failed`). */
export interface ReferrersDeleted {
  deleted: DeletedReferrer[];
  /** Fallback tags rewritten or deleted. */
  fallbackTags: string[];
  /** The referrer whose delete failed, and why; nothing after it was deleted. */
  failed?: { referrer: DeletedReferrer; error: unknown };
}

/**
 * Deletes `order` (from {@link referrersToDelete}) one by one with `remove` (a referrer already gone counts as
 * deleted), then, where the registry has no referrers API (`api` false), takes each subject's deleted referrers out of
 * its fallback index. Stops at the first failure, still fixing the fallback indexes of what was deleted before it, so
 * no index lists a deleted referrer.
 */
export async function deleteReferrers(
  ctx: ClientContext,
  repo: RepositoryReference,
  order: readonly DeletedReferrer[],
  api: boolean,
  remove: (digest: string) => Promise<void>,
  options: { signal?: AbortSignal } = {},
): Promise<ReferrersDeleted> {
  const result: ReferrersDeleted = { deleted: [], fallbackTags: [] };
  // Each subject's deleted referrers, until its fallback index is fixed.
  const pending = new Map<string, string[]>();
  const settle = async (subject: string) => {
    const listed = pending.get(subject);
    pending.delete(subject);
    if (api || !listed?.length) return;
    const updated = await removeFromFallbackIndex(ctx, repo, subject, listed, options);
    if (updated.written) result.fallbackTags.push(updated.tag);
  };
  for (const referrer of order) {
    try {
      await remove(referrer.digest);
    } catch (error) {
      if (!(error instanceof NotFoundError)) {
        result.failed = { referrer, error };
        break;
      }
    }
    result.deleted.push(referrer);
    // cosign's tags are in no index: the delete by digest took the tag with it.
    if (referrer.source !== "cosign-tag")
      pending.set(referrer.subject, [...(pending.get(referrer.subject) ?? []), referrer.digest]);
    // Its own referrers were deleted before it (deepest first): its fallback index is done with, and goes.
    await settle(referrer.digest);
  }
  for (const subject of [...pending.keys()]) await settle(subject);
  return result;
}
