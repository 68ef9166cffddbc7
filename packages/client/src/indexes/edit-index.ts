/**
 * Editing an index by hand, as `regctl index add|delete`, `crane index append|filter` and `oras manifest index
 * update` do: the index is read once (from the registry itself, never a mirror: what is written depends on it),
 * edited as data (manifest/src/index-edit.ts), and the result put at the target's tag. The index read is never
 * changed in place: with `from`, it stays as it was and the edited copy goes to the target.
 *
 * The edits apply in one order whatever order they are given in: append, remove, keep platforms, annotate.
 */
import { UsageError } from "@regatta/errors";
import {
  annotateIndex,
  appendToIndex,
  type ImageIndex,
  type IndexEntrySelector,
  isValidDigest,
  keepPlatforms,
  type Platform,
  removeFromIndex,
} from "@regatta/manifest";
import type { ClientContext, ReferenceInput } from "../context.js";
import { getManifest } from "../get-manifest.js";
import { readSources, sourceReference } from "./index-sources.js";
import { entrySummary, type IndexResult, indexTarget, putIndex } from "./put-index.js";

/** Edits of `editIndex`; at least one, unless `from` names another index to put at the target as it is. */
export interface EditIndexOptions {
  /** The index to edit, when it is not the target's: it stays as it is; the edited copy is put at the target. */
  from?: ReferenceInput;
  /**
   * Manifests to add (tags, digests, or bare digests of the target's repository): an image with the platform its
   * config names, an index with its children (flattened). A manifest listed already, or a second image for a
   * platform, is refused unless `replace`.
   */
  append?: readonly ReferenceInput[];
  /** An appended manifest takes the place of the entry with its platform (or digest) instead of being refused. */
  replace?: boolean;
  /** For appended indexes: read each child image's platform from its config instead of its entry. */
  platformFromConfig?: boolean;
  /**
   * Entries to remove: a platform (`linux/arm64`; `linux/arm` is `linux/arm/v7`, as copy's `--platform` matches)
   * or a digest, as a string or `{ platform }` / `{ digest }`. Each must name an entry; an image's attestations go
   * with it; removing every image is refused.
   */
  remove?: readonly (string | IndexEntrySelector)[];
  /** Keep only these platforms' images (and their attestations), as `crane index filter`. */
  platforms?: readonly (string | Platform)[];
  /** Annotations merged into the index's own (OCI only). */
  annotations?: Record<string, string>;
  /** Annotations merged into the entries a platform or digest names (OCI only). */
  entryAnnotations?: readonly (IndexEntrySelector & { annotations: Record<string, string> })[];
  signal?: AbortSignal;
}

/** A string selector: a digest when it is one, a platform otherwise. */
function selector(value: string | IndexEntrySelector): IndexEntrySelector {
  if (typeof value !== "string") return value;
  return isValidDigest(value) ? { digest: value } : { platform: value };
}

/** Edits the index at `from` (default: the target) and puts the result at `target`; see the module comment. */
export async function editIndex(
  ctx: ClientContext,
  targetInput: ReferenceInput,
  options: EditIndexOptions,
): Promise<IndexResult> {
  const target = indexTarget(ctx, targetInput);
  const { signal } = options;
  const sig = signal ? { signal } : {};
  const edits =
    (options.append?.length ?? 0) +
    (options.remove?.length ?? 0) +
    (options.platforms !== undefined ? 1 : 0) +
    Object.keys(options.annotations ?? {}).length +
    (options.entryAnnotations?.length ?? 0);
  if (edits === 0 && options.from === undefined) {
    throw new UsageError(
      "nothing to change: append, remove, platforms or annotations (or from, to copy another index here)",
    );
  }
  const source = options.from === undefined ? target : sourceReference(ctx, target, options.from);
  const got = await getManifest(ctx, source, { ...sig, mirrors: false });
  const what = source.familiar();
  if (got.kind !== "index") {
    throw new UsageError(
      `${what} is ${got.kind === "image" ? "an image" : `a ${got.kind} manifest`}, not an index: create one over it (createIndex / regatta index create)`,
    );
  }
  let index = got.manifest as ImageIndex;
  const sourced = index.manifests.map((d) => ({
    descriptor: d,
    from: got.reference.withoutTag().withDigest(d.digest),
  }));
  if (options.append?.length) {
    const appended = await readSources(ctx, target, options.append, {
      ...(options.platformFromConfig ? { platformFromConfig: true } : {}),
      ...sig,
    });
    index = appendToIndex(
      index,
      appended.map((s) => s.descriptor),
      { replace: options.replace === true },
    );
    sourced.push(...appended);
  }
  if (options.remove?.length) index = removeFromIndex(index, options.remove.map(selector), what);
  if (options.platforms !== undefined) index = keepPlatforms(index, options.platforms, what);
  index = annotateIndex(
    index,
    {
      ...(options.annotations ? { annotations: options.annotations } : {}),
      ...(options.entryAnnotations ? { entries: options.entryAnnotations } : {}),
    },
    what,
  );
  // Nothing edited (an index copied from `from`): its exact bytes, so its digest stays.
  const result = await putIndex(ctx, target, index, sourced, {
    signal,
    ...(edits === 0 ? { exact: got.bytes } : {}),
  });
  // What the edit left out, by digest and platform (an entry may be listed twice, once per platform).
  const entryKey = (d: ImageIndex["manifests"][number]) =>
    [d.digest, JSON.stringify(d.platform ?? null)].join(" ");
  const left = new Set(index.manifests.map(entryKey));
  const removed = (got.manifest as ImageIndex).manifests
    .filter((d) => !left.has(entryKey(d)))
    .map(entrySummary);
  return { ...result, from: { reference: got.reference.toString(), digest: got.digest }, removed };
}
