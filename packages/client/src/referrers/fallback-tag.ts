/**
 * The referrers tag schema: where a registry has no referrers API, the referrers of `<alg>:<hex>` are listed in an
 * OCI image index tagged `<alg>-<hex>` (truncated to 128 characters), which the client that pushes a referrer keeps
 * up to date itself (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#referrers-tag-schema,
 * and #pushing-manifests-with-subject). distribution 2.8 (Debian's docker-registry) needs it; so does GHCR.
 *
 * A tag is not proof of an index of referrers. GitLab's registry resolves `sha256-<hex>` to the manifest
 * `sha256:<hex>` itself (the subject); other tools tag other things there. What this file reads is therefore checked
 * ({@link readFallbackIndex}): an OCI index, not the subject, whose entries are not platform images. Anything else
 * is reported as `ignored` and never rewritten: overwriting it could destroy someone's image.
 */
import { NotFoundError, ProtocolError, RegistryError } from "@regatta/errors";
import { buildIndex, type Descriptor, type ImageIndex, OCI_INDEX, parseDigest } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { getManifest } from "../get-manifest.js";
import { putManifest } from "../put-manifest.js";
import { manifestDelete } from "../registry-api/manifests.js";

/** The tag that holds the referrers of `digest` by the tag schema: `sha256-<hex>`, at most 128 characters. */
export function fallbackTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`.slice(0, 128);
}

/** What the fallback tag of a subject holds. */
export interface FallbackIndex {
  tag: string;
  /** The index's digest when the tag exists and holds a referrers index. */
  digest?: string;
  /** The referrers it lists (empty when the tag is absent or ignored). */
  manifests: Descriptor[];
  /** Why the tag's content was not taken as a referrers index (a quirk such as GitLab's), when it was not. */
  ignored?: string;
  /**
   * The tag answered the subject itself (GitLab reads `sha256-<hex>` as the digest while no such tag exists): no
   * index yet, and writing the tag loses nothing (the subject stays reachable by digest).
   */
  resolvesToSubject?: boolean;
}

/**
 * Reads the fallback tag of `subject` in `repo`: absent is an empty list; content that is not an index of
 * referrers is `ignored` with the reason.
 */
export async function readFallbackIndex(
  ctx: ClientContext,
  repo: RepositoryReference,
  subject: string,
  options: { signal?: AbortSignal; mirrors?: boolean } = {},
): Promise<FallbackIndex> {
  const tag = fallbackTag(subject);
  let fetched: Awaited<ReturnType<typeof getManifest>>;
  try {
    fetched = await getManifest(ctx, `${repo.name}:${tag}`, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.mirrors !== undefined ? { mirrors: options.mirrors } : {}),
    });
  } catch (error) {
    if (error instanceof NotFoundError) return { tag, manifests: [] };
    throw error;
  }
  // GitLab (and any registry that parses `<alg>-<hex>` as a digest) answers the subject itself.
  if (fetched.digest === subject) {
    const ignored = `${repo.name}:${tag} resolves to the subject itself, not to an index of its referrers`;
    return { tag, manifests: [], ignored, resolvesToSubject: true };
  }
  const ignored = notAReferrersIndex(fetched);
  if (ignored) return { tag, manifests: [], ignored };
  return { tag, digest: fetched.digest, manifests: [...(fetched.manifest as ImageIndex).manifests] };
}

/** Why a manifest found at the fallback tag is not a referrers index, or undefined when it is one. */
function notAReferrersIndex(fetched: {
  kind: string;
  mediaType: string;
  manifest: unknown;
}): string | undefined {
  if (fetched.kind !== "index" || fetched.mediaType !== OCI_INDEX)
    return `the fallback tag holds a ${fetched.mediaType}, not an OCI image index`;
  // A platform index (an image someone tagged so) lists images by platform; referrers carry no platform.
  const platformed = (fetched.manifest as ImageIndex).manifests.filter((m) => m.platform !== undefined);
  if (platformed.length > 0) return "the fallback tag holds an index of platform images, not of referrers";
  return undefined;
}

/** The descriptor of a referrer as an index of referrers lists it: type, digest, size, artifactType, annotations. */
export function referrerDescriptor(manifest: {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string | undefined;
  configMediaType?: string | undefined;
  annotations?: Record<string, string> | undefined;
}): Descriptor {
  // The spec: artifactType is the manifest's artifactType, else its config's mediaType
  // (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers).
  const artifactType = manifest.artifactType ?? manifest.configMediaType;
  return {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(manifest.annotations && Object.keys(manifest.annotations).length > 0
      ? { annotations: { ...manifest.annotations } }
      : {}),
  };
}

/** How many times an update of the fallback index reads and writes again when another writer changed it. */
export const FALLBACK_ATTEMPTS = 5;

/** The fallback index after an update. */
export interface UpdatedFallbackIndex {
  tag: string;
  /** The index's digest; undefined when nothing had to be written and no index exists. */
  digest?: string;
  manifests: Descriptor[];
  /** Whether an index was written or deleted (false: it already said what was wanted). */
  written: boolean;
  /** The index was left empty and deleted, its tag with it. */
  deleted?: boolean;
}

/**
 * Adds `referrer` to the fallback index of `subject`, keeping every referrer already listed
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject).
 * @throws ProtocolError (code `FALLBACK_TAG_NOT_INDEX`) when the tag holds something that is not a referrers index
 *   (it is never overwritten); (code `FALLBACK_TAG_CONTENDED`) when writers kept racing.
 */
export function addToFallbackIndex(
  ctx: ClientContext,
  repo: RepositoryReference,
  subject: string,
  referrer: Descriptor,
  options: { signal?: AbortSignal } = {},
): Promise<UpdatedFallbackIndex> {
  return updateFallbackIndex(ctx, repo, subject, options, {
    change: (listed) => [...listed.filter((m) => m.digest !== referrer.digest), referrer],
    done: (listed) => listed.some((m) => m.digest === referrer.digest),
  });
}

/**
 * Removes the referrers `digests` from the fallback index of `subject` (after their manifests were deleted,
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#deleting-manifests), keeping the others.
 * An index that lists none of them, no index, or a tag that holds no referrers index (it cannot list them) is left
 * as it is. An index left empty is deleted, tag and all (its digest is that tag's alone: no other subject's index
 * lists the same referrers); where the registry refuses deletes it is written empty instead.
 * @throws ProtocolError (code `FALLBACK_TAG_CONTENDED`) when writers kept racing.
 */
export function removeFromFallbackIndex(
  ctx: ClientContext,
  repo: RepositoryReference,
  subject: string,
  digests: string | readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<UpdatedFallbackIndex> {
  const gone = new Set(typeof digests === "string" ? [digests] : digests);
  return updateFallbackIndex(ctx, repo, subject, options, {
    change: (listed) => listed.filter((m) => !gone.has(m.digest)),
    done: (listed) => !listed.some((m) => gone.has(m.digest)),
    removing: true,
  });
}

/**
 * Writes `change(listed)` to the fallback tag of `subject` until `done(listed)` holds of what the tag then lists.
 * There is no compare-and-swap for tags in the distribution API, so a concurrent writer is caught as well as a client
 * can: the tag is read again just before the PUT (a changed digest starts over), and once more after it (`done` not
 * holding, because another writer's PUT won, starts over). Up to {@link FALLBACK_ATTEMPTS} rounds.
 */
async function updateFallbackIndex(
  ctx: ClientContext,
  repo: RepositoryReference,
  subject: string,
  options: { signal?: AbortSignal },
  update: {
    change(listed: Descriptor[]): Descriptor[];
    done(listed: Descriptor[]): boolean;
    /** A removal: a tag holding no referrers index lists nothing to remove, and an emptied index is deleted. */
    removing?: boolean;
  },
): Promise<UpdatedFallbackIndex> {
  const read = () => readFallbackIndex(ctx, repo, subject, { ...options, mirrors: false });
  for (let attempt = 1; attempt <= FALLBACK_ATTEMPTS; attempt++) {
    const before = await read();
    if (before.ignored && !before.resolvesToSubject && !update.removing) {
      throw new ProtocolError(
        `update the referrers fallback tag ${repo.name}:${before.tag}: ${before.ignored}; not overwriting it`,
        { code: "FALLBACK_TAG_NOT_INDEX" },
      );
    }
    // Already as wanted (listed, or not there to remove): nothing to write.
    if (update.done(before.manifests)) {
      const digest = before.digest !== undefined ? { digest: before.digest } : {};
      return { tag: before.tag, ...digest, manifests: before.manifests, written: false };
    }
    const index = buildIndex({ manifests: update.change(before.manifests) });
    const again = await read();
    if (again.digest !== before.digest) continue;
    const emptied = update.removing && index.manifest.manifests.length === 0 && before.digest !== undefined;
    if (!emptied || !(await deleteIndex(ctx, repo, before.tag, before.digest as string, options))) {
      await putManifest(ctx, `${repo.name}:${before.tag}`, index, options);
    }
    const after = await read();
    if (update.done(after.manifests)) {
      // After a delete the tag is gone (no digest): the index no longer exists.
      const digest = after.digest ?? (emptied ? undefined : index.digest);
      return {
        tag: before.tag,
        ...(digest !== undefined ? { digest } : {}),
        manifests: after.manifests,
        written: true,
        ...(emptied && after.digest === undefined ? { deleted: true } : {}),
      };
    }
  }
  throw new ProtocolError(
    `update the referrers fallback tag ${repo.name}:${fallbackTag(subject)}: other writers changed it ${FALLBACK_ATTEMPTS} times in a row`,
    { code: "FALLBACK_TAG_CONTENDED", hint: "try again: the manifest itself was written or deleted" },
  );
}

/**
 * Deletes an emptied fallback index by its digest, which takes its tag with it (distribution deletes the tags of a
 * deleted manifest). False when the registry refuses deletes (405 / UNSUPPORTED): the caller writes it empty.
 */
async function deleteIndex(
  ctx: ClientContext,
  repo: RepositoryReference,
  tag: string,
  digest: string,
  options: { signal?: AbortSignal },
): Promise<boolean> {
  try {
    await manifestDelete(ctx.transport, {
      registry: repo.registry,
      repository: repo.repository,
      reference: digest,
      context: `delete the emptied referrers fallback tag ${repo.name}:${tag}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof NotFoundError) return true;
    if (error instanceof RegistryError && (error.status === 405 || error.code === "UNSUPPORTED"))
      return false;
    throw error;
  }
  return true;
}
