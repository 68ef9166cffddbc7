/**
 * The manifests an index built by hand lists: each source read once and turned into index entries, each image's
 * platform read from its config (manifest/src/index-entry.ts); and, before the index is put, the entries whose
 * manifests live in another repository brought to the target's by copy's own machinery (copy.ts: by digest, blobs
 * mounted within a registry, streamed from another), since a registry refuses an index whose children the repository
 * lacks (distribution: MANIFEST_BLOB_UNKNOWN).
 */
import { UnsupportedError, UsageError } from "@regatta/errors";
import {
  type Descriptor,
  IMAGE_MANIFEST_TYPES,
  type ImageIndex,
  type ImageManifest,
  imageEntry,
  isAttestation,
  isValidDigest,
  notAnImage,
  parseImageConfig,
} from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { BlobHandle } from "../blob-handle.js";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { copyImage } from "../copy.js";
import { getDescribedManifest, getManifest, type ManifestResult } from "../get-manifest.js";
import { mapConcurrent } from "../map-concurrent.js";

/** An index entry and the repository its manifest is in (pinned to the entry's digest). */
export interface SourcedEntry {
  descriptor: Descriptor;
  from: Reference;
}

/** Options of {@link readSources}. */
export interface ReadSourcesOptions {
  /**
   * For a source that is an index: read each child image's platform from its config too, instead of taking the
   * platform its index entry states (attestation manifests keep theirs: their configs name no platform).
   */
  platformFromConfig?: boolean;
  signal?: AbortSignal;
}

/** What was brought into the target's repository before the index was put. */
export interface BroughtManifest {
  /** Where it came from, by digest. */
  source: string;
  digest: string;
  /** The target's repository had it already: nothing moved. */
  upToDate: boolean;
}

/**
 * A source as given: a reference, or a bare digest (`sha256:…`), which names a manifest of the target's repository.
 */
export function sourceReference(ctx: ClientContext, target: Reference, source: ReferenceInput): Reference {
  if (typeof source === "string" && isValidDigest(source)) return target.withoutTag().withDigest(source);
  return toReference(ctx, source);
}

/** The entry of an image manifest, its platform read from its config; an artifact is refused. */
async function entryOfImage(ctx: ClientContext, image: ManifestResult, what: string, signal?: AbortSignal) {
  const manifest = image.manifest as ImageManifest;
  const reason = notAnImage(manifest);
  if (reason) {
    throw new UsageError(
      `${what} is ${reason}, not an image: an index built by hand lists images, each by the platform its config names`,
    );
  }
  const bytes = await new BlobHandle(
    ctx,
    image.reference.repositoryOnly(),
    manifest.config.digest,
    manifest.config.size,
  ).bytes(signal ? { signal } : {});
  return imageEntry(image, parseImageConfig(bytes), what);
}

/**
 * The entries of one source: an image gives its own; an index gives its children (flattened: nested indexes are
 * not made, as `docker buildx imagetools create` flattens), as its entries state them, or with `platformFromConfig`
 * each image's platform from its config. Schema 1 is refused.
 */
async function entriesOf(
  ctx: ClientContext,
  ref: Reference,
  options: ReadSourcesOptions,
): Promise<SourcedEntry[]> {
  const sig = options.signal ? { signal: options.signal } : {};
  const got = await getManifest(ctx, ref, sig);
  const from = (digest: string) => got.reference.withoutTag().withDigest(digest);
  if (got.kind === "schema1") {
    throw new UnsupportedError(`${ref.familiar()} is a Docker schema 1 manifest: no index can list it`);
  }
  if (got.kind === "image")
    return [
      { descriptor: await entryOfImage(ctx, got, ref.familiar(), options.signal), from: from(got.digest) },
    ];
  const children = (got.manifest as ImageIndex).manifests;
  return mapConcurrent(
    children,
    ctx.concurrency,
    async (d, _i, signal): Promise<SourcedEntry> => {
      if (!options.platformFromConfig || isAttestation(d) || !IMAGE_MANIFEST_TYPES.has(d.mediaType))
        return { descriptor: d, from: from(d.digest) };
      const child = await getDescribedManifest(ctx, from(d.digest), d, { signal });
      const { platform } = await entryOfImage(ctx, child, child.reference.familiar(), signal);
      return { descriptor: { ...d, platform: platform! }, from: from(d.digest) };
    },
    options.signal,
  );
}

/** The entries of every source, in the order given. */
export async function readSources(
  ctx: ClientContext,
  target: Reference,
  sources: readonly ReferenceInput[],
  options: ReadSourcesOptions = {},
): Promise<SourcedEntry[]> {
  const refs = sources.map((s) => sourceReference(ctx, target, s));
  const nested = await mapConcurrent(
    refs,
    ctx.concurrency,
    (ref, _i, signal) => entriesOf(ctx, ref, { ...options, signal }),
    options.signal,
  );
  return nested.flat();
}

/**
 * Copies into the target's repository, by digest, every entry whose manifest is in another repository (copy.ts:
 * skipped when the target has it, blobs mounted within one registry). Run before the index is put, so a reader never
 * sees an index naming a child the repository lacks.
 */
export async function bringEntries(
  ctx: ClientContext,
  target: Reference,
  entries: readonly SourcedEntry[],
  signal?: AbortSignal,
): Promise<BroughtManifest[]> {
  const sig = signal ? { signal } : {};
  const brought: BroughtManifest[] = [];
  const seen = new Set<string>();
  for (const { descriptor, from } of entries) {
    if (from.registry === target.registry && from.repository === target.repository) continue;
    if (seen.has(descriptor.digest)) continue;
    seen.add(descriptor.digest);
    const copied = await copyImage(
      ctx,
      from.withoutTag().withDigest(descriptor.digest),
      target.withoutTag().withDigest(descriptor.digest),
      sig,
    );
    brought.push({ source: from.toString(), digest: descriptor.digest, upToDate: copied.upToDate });
  }
  return brought;
}
