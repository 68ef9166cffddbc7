import { repositoryScope } from "@regatta/auth";
import { NotFoundError, RegistryError, UnsupportedError, UsageError } from "@regatta/errors";
import { type ImageIndex, INDEX_TYPES, mediaTypeEssence, parseDigest } from "@regatta/manifest";
import type { Reference, RepositoryReference } from "@regatta/reference";
import {
  type ClientContext,
  type ReferenceInput,
  type RepositoryInput,
  repositoryPath,
  toReference,
  toRepository,
} from "./context.js";
import { getManifest, headManifest } from "./get-manifest.js";
import { allTags } from "./list-tags.js";
import { mapConcurrent } from "./map-concurrent.js";

/** What `deleteRepository` removed. */
export interface DeletedRepository {
  repository: string;
  /** The tags the repository had. */
  tags: string[];
  /** Every manifest deleted: those the tags pointed to, then the children of indexes among them. */
  digests: string[];
}

const DELETE_DISABLED =
  "the registry does not allow deleting (distribution: set storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true)";

/** DELETE on a registry path, with a 405 / UNSUPPORTED answer turned into an UnsupportedError that says why. */
async function sendDelete(
  ctx: ClientContext,
  repo: RepositoryReference | Reference,
  path: string,
  context: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    const response = await ctx.transport.request({
      registry: repo.registry,
      method: "DELETE",
      path: `${repositoryPath(repo.repository)}${path}`,
      scopes: [repositoryScope(repo.repository, ["delete"])],
      expect: [202, 200, 204],
      context,
      ...(signal ? { signal } : {}),
    });
    await response.dump();
  } catch (error) {
    if (error instanceof RegistryError && (error.status === 405 || error.code === "UNSUPPORTED")) {
      throw new UnsupportedError(`${context}: ${DELETE_DISABLED}`, {
        cause: error,
        status: error.status ?? 405,
      });
    }
    throw error;
  }
}

/**
 * Deletes a manifest by digest, as the heroku client does: a tag is resolved to its digest first, and every tag that
 * points to that manifest goes with it. Returns the digest deleted.
 */
export async function deleteManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  options: { signal?: AbortSignal } = {},
): Promise<{ reference: Reference; digest: string }> {
  const ref = toReference(ctx, input);
  const digest = ref.digest ?? (await headManifest(ctx, ref, options)).digest;
  await sendDelete(ctx, ref, `/manifests/${digest}`, `delete manifest ${ref.familiar()}`, options.signal);
  return { reference: ref.withDigest(digest), digest };
}

/**
 * Deletes a tag only (OCI distribution 1.1: `DELETE /v2/<name>/manifests/<tag>`), leaving the manifest and its other
 * tags. Registries before OCI 1.1 delete by digest only: distribution 2.x answers 400 DIGEST_INVALID, others 405
 * UNSUPPORTED; both become an UnsupportedError that says so.
 */
export async function deleteTag(
  ctx: ClientContext,
  input: ReferenceInput,
  options: { signal?: AbortSignal } = {},
): Promise<{ reference: Reference }> {
  const ref = toReference(ctx, input);
  if (ref.digest || !ref.tag) {
    throw new UsageError(
      `delete tag needs a tag, not a digest: ${ref.familiar()} (use delete to remove a manifest)`,
    );
  }
  const context = `delete tag ${ref.familiar()}`;
  try {
    await sendDelete(ctx, ref, `/manifests/${ref.tag}`, context, options.signal);
  } catch (error) {
    const refused =
      error instanceof UnsupportedError ||
      (error instanceof RegistryError && error.status === 400 && error.code === "DIGEST_INVALID");
    if (!refused) throw error;
    throw new UnsupportedError(
      `${context}: ${ref.registry} does not delete tags: it deletes manifests by digest only, as registries before OCI distribution 1.1 (such as distribution 2.x) do. Deleting the manifest (regatta delete ${ref.familiar()}) removes every tag that points to it`,
      { cause: error, ...(error instanceof RegistryError && error.status ? { status: error.status } : {}) },
    );
  }
  return { reference: ref };
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
  await sendDelete(ctx, repo, `/blobs/${digest}`, `delete blob ${digest} from ${repo.name}`, options.signal);
}

/**
 * Deletes a repository's content, as the Ruby gem's `rmrepo` does: every manifest every tag points to, by digest, then
 * the children of the indexes among them. The registry has no "delete repository" call; its garbage collector
 * removes the blobs later.
 */
export async function deleteRepository(
  ctx: ClientContext,
  repository: RepositoryInput,
  options: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<DeletedRepository> {
  const repo = toRepository(ctx, repository);
  const signal = options.signal ? { signal: options.signal } : {};
  const concurrency = options.concurrency ?? ctx.concurrency;
  const tags = await allTags(ctx, repo, signal);
  const heads = await mapConcurrent(
    tags,
    concurrency,
    (tag, _i, s) => headManifest(ctx, repo.withTag(tag), { signal: s }),
    options.signal,
  );
  const top = [...new Map(heads.map((h) => [h.digest, h])).values()];
  const children: string[] = [];
  for (const head of top) {
    if (!head.mediaType || !INDEX_TYPES.has(mediaTypeEssence(head.mediaType))) continue;
    const index = await getManifest(ctx, repo.withDigest(head.digest), signal);
    if (index.kind !== "index") continue;
    for (const child of (index.manifest as ImageIndex).manifests) children.push(child.digest);
  }
  const topDigests = top.map((h) => h.digest);
  const childDigests = [...new Set(children)].filter((d) => !topDigests.includes(d));
  const remove = (digests: string[]) =>
    mapConcurrent(
      digests,
      concurrency,
      async (digest, _i, s) => {
        try {
          await sendDelete(ctx, repo, `/manifests/${digest}`, `delete manifest ${repo.name}@${digest}`, s);
        } catch (error) {
          // A child shared by two indexes, or deleted meanwhile: already gone is what was wanted.
          if (!(error instanceof NotFoundError)) throw error;
        }
      },
      options.signal,
    );
  await remove(topDigests);
  await remove(childDigests);
  return { repository: repo.name, tags, digests: [...topDigests, ...childDigests] };
}
