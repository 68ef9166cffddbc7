/**
 * `rmrepo`: a repository's manifests deleted, every index before the manifests it lists, so that a failure never
 * leaves an index naming manifests that are gone.
 */
import { AbortError, NotFoundError } from "@regatta/errors";
import { type ImageIndex, INDEX_TYPES, mediaTypeEssence } from "@regatta/manifest";
import { type ClientContext, type RepositoryInput, toRepository } from "./context.js";
import { deletesDisabled, disabledError, sendDelete } from "./delete-request.js";
import { getManifest } from "./get-manifest.js";
import { mapConcurrent } from "./map-concurrent.js";
import { tagHeads } from "./tags-for-digest.js";

/** Options of {@link deleteRepository}. */
export interface DeleteRepositoryOptions {
  signal?: AbortSignal;
  /** Requests in flight. Default: the client's concurrency. */
  concurrency?: number;
  /** Read the tags and indexes, say what would be deleted, in that order, and delete nothing. */
  dryRun?: boolean;
}

/** A manifest of the repository: its digest and the tags that name it (none for an index's child). */
export interface RepositoryManifest {
  digest: string;
  /** The tags naming it, sorted; they remain when it is not deleted. */
  tags: string[];
}

/** A manifest whose DELETE failed. */
export interface FailedManifestDelete extends RepositoryManifest {
  /** The failure (a typed RegattaError for a registry's answer). */
  error: unknown;
}

/** A manifest not sent a DELETE, because an index that lists it was not deleted. */
export interface KeptManifest extends RepositoryManifest {
  /** The indexes listing it that remain (failed, or kept themselves). */
  listedBy: string[];
}

/** What {@link deleteRepository} did (or, in a dry run, would do). */
export interface DeletedRepository {
  repository: string;
  /** The tags the repository had. */
  tags: string[];
  /**
   * The manifests deleted (in a dry run: to be), in the order sent: an index before the manifests it lists. One the
   * registry already did not have (404) counts as deleted.
   */
  deleted: string[];
  /** The same as `deleted` (its earlier name). */
  digests: string[];
  /** The manifests whose DELETE failed, with why; their tags remain. */
  failed: FailedManifestDelete[];
  /** The manifests kept because an index listing them remains: deleting them would break it. */
  kept: KeptManifest[];
  /** Nothing was deleted: this is what would have been. */
  dryRun?: boolean;
}

/** A manifest of the plan: its tags, the indexes of the repository that list it, and what became of it. */
interface Node {
  digest: string;
  tags: string[];
  parents: Set<string>;
  state: "pending" | "deleted" | "failed" | "kept";
  error?: unknown;
}

/**
 * Deletes a repository's content, as the Ruby gem's `rmrepo` does: every manifest every tag points to, by digest, and
 * the manifests the indexes among them list (nested indexes too). The registry has no "delete repository" call; its
 * garbage collector removes the blobs later.
 *
 * Every index is deleted before the manifests it lists, and a manifest is deleted only once every index listing it
 * was: when an index's DELETE fails (a 403 for an immutable tag, a 500), the manifests it lists are kept (`kept`), so
 * it still pulls; the others go on. The result says what was deleted, what failed and why, and what was kept. A
 * registry with deletes switched off is an UnsupportedError, as soon as it says so. The tags and indexes are read
 * before anything is deleted: a failed read deletes nothing. Untagged manifests that no tagged index lists are not
 * found, and stay.
 */
export async function deleteRepository(
  ctx: ClientContext,
  repository: RepositoryInput,
  options: DeleteRepositoryOptions = {},
): Promise<DeletedRepository> {
  const repo = toRepository(ctx, repository);
  const signal = options.signal ? { signal: options.signal } : {};
  const concurrency = Math.max(1, options.concurrency ?? ctx.concurrency);
  // Every tag with what it names (one HEAD each, a tag gone meanwhile left out), however many there are.
  // A tag list answered 404 cannot be walked: distribution answers it both for a repository that does not exist and
  // for one holding only manifests pushed by digest, which the registry API cannot list (no call names them).
  const heads = await tagHeads(ctx, repo, {
    ...signal,
    concurrency,
    limit: Number.POSITIVE_INFINITY,
    tagsRequired: true,
  }).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError(
      `rmrepo ${repo.name}: the registry lists no tags there (${error.status ?? 404}${error.code ? ` ${error.code}` : ""}): the repository does not exist, or holds only untagged manifests, which the registry API cannot list`,
      {
        code: error.code,
        cause: error,
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.request ? { request: error.request } : {}),
        hint: `delete an untagged manifest by its digest: regatta delete ${repo.name}@sha256:…`,
      },
    );
  });
  const tags = [...heads.keys()];

  const nodes = new Map<string, Node>();
  const node = (digest: string) => {
    let found = nodes.get(digest);
    if (!found) {
      found = { digest, tags: [], parents: new Set(), state: "pending" };
      nodes.set(digest, found);
    }
    return found;
  };
  const isIndex = (mediaType?: string) => !!mediaType && INDEX_TYPES.has(mediaTypeEssence(mediaType));
  let toRead = new Set<string>();
  for (const [tag, head] of heads) {
    node(head.digest).tags.push(tag);
    if (isIndex(head.mediaType)) toRead.add(head.digest);
  }
  // The indexes, level by level (an index of indexes too): which manifests each lists.
  const read = new Set<string>();
  while (toRead.size) {
    const level = [...toRead];
    for (const d of level) read.add(d);
    toRead = new Set();
    const lists = await mapConcurrent(
      level,
      concurrency,
      async (digest, _i, s) => {
        const index = await getManifest(ctx, repo.withDigest(digest), { signal: s, mirrors: false });
        return index.kind === "index" ? (index.manifest as ImageIndex).manifests : [];
      },
      options.signal,
    );
    level.forEach((parent, i) => {
      for (const child of lists[i] ?? []) {
        node(child.digest).parents.add(parent);
        if (isIndex(child.mediaType) && !read.has(child.digest)) toRead.add(child.digest);
      }
    });
  }
  for (const n of nodes.values()) n.tags.sort();

  // Wave by wave: a manifest goes once every index listing it is gone; one listed by an index that remains stays.
  const order: Node[] = [];
  let pending = [...nodes.values()];
  while (pending.length) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of pending) {
        if (n.state !== "pending") continue;
        const remains = [...n.parents].some((p) => {
          const parent = nodes.get(p);
          return parent?.state === "failed" || parent?.state === "kept";
        });
        if (remains) {
          n.state = "kept";
          changed = true;
        }
      }
    }
    pending = pending.filter((n) => n.state === "pending");
    const ready = pending.filter((n) => [...n.parents].every((p) => nodes.get(p)?.state === "deleted"));
    if (!ready.length) {
      // Only a cycle could get here (digests make one impossible): keep the rest rather than guess an order.
      for (const n of pending) n.state = "kept";
      break;
    }
    if (options.dryRun) {
      for (const n of ready) n.state = "deleted";
    } else {
      await mapConcurrent(
        ready,
        concurrency,
        async (n, _i, s) => {
          try {
            // Listed just now: a 404 says deleted meanwhile (or a child the repository never had), and gone is
            // what was wanted (goneAfterDelete, the rule `delete` follows after a retry).
            await sendDelete(
              ctx,
              repo,
              { manifest: n.digest },
              `delete manifest ${repo.name}@${n.digest}`,
              s,
              { listed: true },
            );
            n.state = "deleted";
          } catch (error) {
            if (error instanceof AbortError || options.signal?.aborted) throw error;
            n.state = "failed";
            n.error = error;
          }
        },
        options.signal,
      );
      const off = ready.find((n) => n.state === "failed" && deletesDisabled(n.error));
      if (off) {
        const done = order.filter((n) => n.state === "deleted").length;
        const also = ready.filter((n) => n.state === "deleted").length;
        throw disabledError(
          `delete manifest ${repo.name}@${off.digest}`,
          off.error,
          done + also === 1
            ? "; 1 manifest was deleted before it"
            : done + also
              ? `; ${done + also} manifests were deleted before it`
              : "; nothing was deleted",
        );
      }
    }
    for (const node of ready) order.push(node);
    pending = pending.filter((n) => n.state === "pending");
  }

  const deleted = order.filter((n) => n.state === "deleted").map((n) => n.digest);
  const remaining = (n: Node) =>
    [...n.parents].filter((p) => nodes.get(p)?.state === "failed" || nodes.get(p)?.state === "kept");
  const all = [...nodes.values()];
  return {
    repository: repo.name,
    tags,
    deleted,
    digests: deleted,
    failed: order
      .filter((n) => n.state === "failed")
      .map((n) => ({ digest: n.digest, tags: n.tags, error: n.error })),
    kept: all
      .filter((n) => n.state === "kept")
      .map((n) => ({ digest: n.digest, tags: n.tags, listedBy: remaining(n) })),
    ...(options.dryRun ? { dryRun: true } : {}),
  };
}
