/**
 * The referrers of an image, and theirs, as a tree (`regatta referrers --tree`, as `oras discover` shows it): an
 * image → its signatures, SBOMs, attestations → their signatures… Each level is one {@link listReferrers} call, so each
 * goes through the API or the fallback tag and cosign's tags as the top does. {@link subjectTrees} gives one such tree
 * for an image and, when it is an index, for every manifest it lists: what `copy --referrers` and `sync --referrers`
 * carry (a `cosign sign --recursive` signature or an `oras attach` to a platform digest refers to a child).
 */
import { INDEX_TYPES, type Index } from "@regatta/manifest";
import type { ClientContext, ReferenceInput } from "../context.js";
import { toReference } from "../context.js";
import { getManifest } from "../get-manifest.js";
import { refuseDeepIndex } from "../index-depth.js";
import {
  listReferrers,
  type Referrer,
  type ReferrersOptions,
  type ReferrersResult,
} from "./list-referrers.js";

/** A referrer with the referrers of its own. */
export interface ReferrerNode extends Referrer {
  referrers: ReferrerNode[];
}

/** The tree's root: the subject, and every referrer below it. */
export interface ReferrerTree extends Omit<ReferrersResult, "referrers"> {
  referrers: ReferrerNode[];
}

export interface ReferrerTreeOptions extends ReferrersOptions {
  /** Levels below the subject at most. Default 8: a chain deeper than that is a loop or a mistake. */
  depth?: number;
  /** Called with each digest whose referrers were listed (the subject, and each referrer walked below it). */
  onListed?: (digest: string) => void;
}

/**
 * The tree of referrers of `input`. `artifactType` filters the first level only (a signature of an SBOM is shown
 * under it whatever its type). A digest met twice on a path (a referrer cycle) is shown once, without children.
 */
export async function referrerTree(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ReferrerTreeOptions = {},
): Promise<ReferrerTree> {
  const { depth = 8, artifactType, onListed, ...rest } = options;
  const top = await listReferrers(ctx, input, { ...rest, ...(artifactType ? { artifactType } : {}) });
  onListed?.(top.digest);
  const repo = toReference(ctx, input).repositoryOnly();
  const below = async (referrer: Referrer, path: Set<string>, level: number): Promise<ReferrerNode> => {
    if (level >= depth || path.has(referrer.digest)) return { ...referrer, referrers: [] };
    const found = await listReferrers(ctx, `${repo.name}@${referrer.digest}`, rest);
    onListed?.(referrer.digest);
    const next = new Set(path).add(referrer.digest);
    const children = [];
    for (const child of found.referrers) children.push(await below(child, next, level + 1));
    return { ...referrer, referrers: children };
  };
  const root = new Set([top.digest]);
  const referrers = [];
  for (const referrer of top.referrers) referrers.push(await below(referrer, root, 1));
  return { ...top, referrers };
}

export interface SubjectTreesOptions extends Omit<ReferrerTreeOptions, "artifactType"> {
  /** The subject's media type when the caller knows it: an image's saves the GET that looks for children. */
  mediaType?: string;
}

/** An image's referrer tree, and those of the manifests its index lists (none for an image manifest). */
export interface SubjectTrees {
  top: ReferrerTree;
  children: ReferrerTree[];
}

/**
 * The referrer tree of `input`, and, when it is an index, that of every manifest it lists, in the index's order, each to the same `depth`; an index it lists is walked the same way, down to MAX_INDEX_DEPTH levels
 * (refused deeper, as pull and copy refuse it). regctl's `image copy --referrers` does the same for each child.
 */
export async function subjectTrees(
  ctx: ClientContext,
  input: ReferenceInput,
  options: SubjectTreesOptions = {},
): Promise<SubjectTrees> {
  const { mediaType, ...treeOptions } = options;
  const ref = toReference(ctx, input);
  const repo = ref.repositoryOnly();
  const signal = options.signal ? { signal: options.signal } : {};
  const top = await referrerTree(ctx, ref, treeOptions);
  const trees: ReferrerTree[] = [];
  const seen = new Set([top.digest]);
  const children = async (digest: string, level: number): Promise<void> => {
    const at = repo.withDigest(digest);
    refuseDeepIndex(at, level);
    const m = await getManifest(ctx, at, signal);
    if (m.kind !== "index") return;
    for (const child of (m.manifest as Index).manifests) {
      if (seen.has(child.digest)) continue;
      seen.add(child.digest);
      trees.push(await referrerTree(ctx, repo.withDigest(child.digest), treeOptions));
      if (INDEX_TYPES.has(child.mediaType)) await children(child.digest, level + 1);
    }
  };
  if (mediaType === undefined || INDEX_TYPES.has(mediaType)) await children(top.digest, 1);
  return { top, children: trees };
}
