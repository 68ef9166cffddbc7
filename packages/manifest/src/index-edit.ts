/**
 * Editing an index by hand, as pure data: append entries, remove or keep platforms, annotate. The client
 * (packages/client/src/indexes/) fetches, brings children over and puts; everything that decides what the new index
 * lists is here, so it is tested without a registry. Every function returns a new index and leaves its input alone;
 * fields it does not edit (`mediaType`, `artifactType`, `subject`, unknown ones) are kept as they are.
 *
 * What "a platform" matches follows copy's `--platform` list (select-manifest.ts, strict): `linux/arm` is
 * `linux/arm/v7` once normalised, `linux/arm64` is `linux/arm64/v8`, `aarch64` is `arm64`; no fallback to an older
 * variant. BuildKit attestation manifests (`unknown/unknown`) are never matched by platform: they follow the image
 * they describe (`vnd.docker.reference.digest`), so removing an image removes its attestations and keeping one keeps
 * them. https://github.com/moby/buildkit/blob/master/docs/attestations/attestation-storage.md
 */
import { NotFoundError, quoteText, UsageError } from "@regatta/errors";
import type { Descriptor } from "./descriptor.js";
import { isValidDigest } from "./digest.js";
import type { ImageIndex } from "./image-index.js";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from "./media-types.js";
import { formatPlatform, normalizePlatform, type Platform, parsePlatform } from "./platform.js";
import { isAttestation, listPlatforms, matchPlatform } from "./select-manifest.js";

/** Which entries an edit names: a platform (matched as the module comment says) or a manifest digest. */
export interface IndexEntrySelector {
  platform?: string | Platform;
  digest?: string;
}

/** Options of {@link appendToIndex}. */
export interface AppendOptions {
  /**
   * An appended manifest replaces the entry (and its attestations) that has the same platform or the same digest,
   * in its place, instead of being refused.
   */
  replace?: boolean;
}

/** Annotations to merge: the index's own, and those of entries chosen by platform or digest. */
export interface IndexAnnotations {
  annotations?: Record<string, string>;
  entries?: readonly (IndexEntrySelector & { annotations: Record<string, string> })[];
}

/** Whether an index is a Docker manifest list, which has no annotations and lists Docker manifests only. */
export function isDockerList(index: Pick<ImageIndex, "mediaType">): boolean {
  return index.mediaType === DOCKER_MANIFEST_LIST;
}

/** The exact platform key of an entry (normalised, OS version and features included), for duplicate checks. */
function platformKey(descriptor: Descriptor): string | undefined {
  if (!descriptor.platform || isAttestation(descriptor)) return undefined;
  return formatPlatform(normalizePlatform(descriptor.platform));
}

/** The image an attestation manifest describes, or undefined for any other entry. */
function attestedDigest(descriptor: Descriptor): string | undefined {
  return isAttestation(descriptor) ? descriptor.annotations?.["vnd.docker.reference.digest"] : undefined;
}

/** Entries without those of `removed` and without the attestations that describe them. */
function without(manifests: readonly Descriptor[], removed: ReadonlySet<string>): Descriptor[] {
  return manifests.filter((d) => !removed.has(d.digest) && !removed.has(attestedDigest(d) ?? ""));
}

function describeEntry(descriptor: Descriptor): string {
  return descriptor.platform
    ? `${descriptor.digest} (${formatPlatform(descriptor.platform)})`
    : descriptor.digest;
}

function checkDockerEntries(index: ImageIndex, entries: readonly Descriptor[]): void {
  if (!isDockerList(index)) return;
  const foreign = entries.find((d) => d.mediaType !== DOCKER_MANIFEST);
  if (foreign) {
    throw new UsageError(
      `a Docker manifest list lists Docker schema 2 manifests; ${foreign.digest} is ${foreign.mediaType}: build an OCI index instead`,
    );
  }
}

/**
 * The index with `entries` appended, in order. A digest the index lists already, or an image for a platform it
 * has already, is refused (UsageError) unless `replace`, which puts the new entry where the old one was (its
 * attestations go with it). Entries without a platform (artifacts) only clash by digest. A Docker manifest list
 * takes Docker manifests only.
 */
export function appendToIndex(
  index: ImageIndex,
  entries: readonly Descriptor[],
  options: AppendOptions = {},
): ImageIndex {
  checkDockerEntries(index, entries);
  let manifests = [...index.manifests];
  for (const entry of entries) {
    const key = platformKey(entry);
    const clash = manifests.filter(
      (d) => d.digest === entry.digest || (key !== undefined && platformKey(d) === key),
    );
    if (clash.length === 0) {
      manifests.push(entry);
      continue;
    }
    if (!options.replace) {
      const first = clash[0]!;
      const why =
        first.digest === entry.digest
          ? `it lists ${describeEntry(first)} already`
          : `it has an image for ${key} already (${first.digest})`;
      throw new UsageError(
        `cannot add ${describeEntry(entry)} to the index: ${why}; replace it to swap them`,
      );
    }
    const at = manifests.indexOf(clash[0]!);
    const rest = without(manifests, new Set(clash.map((d) => d.digest)));
    // The position of the first replaced entry among those that stay.
    const before = manifests.slice(0, at).filter((d) => rest.includes(d)).length;
    manifests = [...rest.slice(0, before), entry, ...rest.slice(before)];
  }
  return { ...index, manifests };
}

/** The entries a selector names (each platform matched strictly; attestations never by platform). */
export function selectEntries(
  index: Pick<ImageIndex, "manifests">,
  selector: IndexEntrySelector,
): Descriptor[] {
  if ((selector.platform === undefined) === (selector.digest === undefined)) {
    throw new UsageError("an index entry is chosen by a platform or by a digest (one of them)");
  }
  if (selector.digest !== undefined) {
    if (!isValidDigest(selector.digest))
      throw new UsageError(`${quoteText(selector.digest)} is not a digest (sha256:<64 hex>)`);
    return index.manifests.filter((d) => d.digest === selector.digest);
  }
  const wanted =
    typeof selector.platform === "string"
      ? parsePlatform(selector.platform)
      : (selector.platform as Platform);
  return index.manifests.filter(
    (d) =>
      d.platform !== undefined && !isAttestation(d) && matchPlatform(wanted, d.platform, { strict: true }),
  );
}

/** {@link selectEntries}, refusing a selector that names nothing (NotFoundError, saying what the index has). */
function mustSelect(index: ImageIndex, selector: IndexEntrySelector, what: string): Descriptor[] {
  const found = selectEntries(index, selector);
  if (found.length) return found;
  const named =
    selector.digest !== undefined
      ? `no entry ${selector.digest}`
      : `no image for platform ${typeof selector.platform === "string" ? selector.platform : formatPlatform(selector.platform!)}`;
  throw new NotFoundError(
    `${what} has ${named}; it has: ${listPlatforms(index).join(", ") || "no platforms"} (${index.manifests.length} ${index.manifests.length === 1 ? "entry" : "entries"})`,
    { code: "MANIFEST_UNKNOWN" },
  );
}

/** Refuses an index left with no image: an empty index is valid, but nobody means to make one by removing. */
function checkNotEmpty(manifests: readonly Descriptor[], what: string): void {
  if (!manifests.some((d) => !isAttestation(d))) {
    throw new UsageError(`${what} would list no image at all: refused (delete the tag instead)`);
  }
}

/**
 * The index without the entries each selector names (an image's attestations go with it). A selector that names
 * nothing is refused (NotFoundError: a typo must not pass for success), and so is removing every image (UsageError).
 */
export function removeFromIndex(
  index: ImageIndex,
  selectors: readonly IndexEntrySelector[],
  what = "the index",
): ImageIndex {
  const removed = new Set<string>();
  for (const selector of selectors) for (const d of mustSelect(index, selector, what)) removed.add(d.digest);
  const manifests = without(index.manifests, removed);
  checkNotEmpty(manifests, `${what} without ${[...removed].join(", ")}`);
  return { ...index, manifests };
}

/**
 * The index listing only the images of `platforms` and their attestations (crane's `index filter`), in index
 * order. Each platform must name at least one image (NotFoundError).
 */
export function keepPlatforms(
  index: ImageIndex,
  platforms: readonly (string | Platform)[],
  what = "the index",
): ImageIndex {
  if (platforms.length === 0) throw new UsageError("keep which platforms? none were given");
  const kept = new Set<string>();
  for (const platform of platforms) for (const d of mustSelect(index, { platform }, what)) kept.add(d.digest);
  const manifests = index.manifests.filter((d) => kept.has(d.digest) || kept.has(attestedDigest(d) ?? ""));
  return { ...index, manifests };
}

/** Checks annotations given by a caller: non-empty keys, string values. */
export function checkAnnotations(annotations: Record<string, string>, where: string): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (key === "") throw new UsageError(`an annotation of ${where} has an empty key`);
    if (typeof value !== "string")
      throw new UsageError(`annotation ${quoteText(key)} of ${where} must be a string`);
  }
}

/**
 * The index with annotations merged in: its own (`annotations`), and those of the entries each selector of
 * `entries` names (NotFoundError when it names none). A Docker manifest list has no annotations (UsageError).
 */
export function annotateIndex(index: ImageIndex, edits: IndexAnnotations, what = "the index"): ImageIndex {
  const hasIndexAnnotations = edits.annotations !== undefined && Object.keys(edits.annotations).length > 0;
  if (isDockerList(index) && (hasIndexAnnotations || edits.entries?.length)) {
    throw new UsageError(
      `${what} is a Docker manifest list, which has no annotations: recreate it as an OCI index to annotate it`,
    );
  }
  let out: ImageIndex = { ...index };
  if (hasIndexAnnotations) {
    checkAnnotations(edits.annotations!, what);
    out.annotations = { ...index.annotations, ...edits.annotations };
  }
  for (const edit of edits.entries ?? []) {
    checkAnnotations(edit.annotations, `an entry of ${what}`);
    const chosen = new Set(mustSelect(out, edit, what).map((d) => d.digest));
    out = {
      ...out,
      manifests: out.manifests.map((d) =>
        chosen.has(d.digest) ? { ...d, annotations: { ...d.annotations, ...edit.annotations } } : d,
      ),
    };
  }
  return out;
}
