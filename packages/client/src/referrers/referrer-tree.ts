/**
 * The referrers of an image, and theirs, as a tree (`regatta referrers --tree`, as `oras discover` shows it): an
 * image → its signatures, SBOMs, attestations → their signatures… Each level is one {@link listReferrers} call, so each
 * goes through the API or the fallback tag and cosign's tags as the top does.
 */
import type { ClientContext, ReferenceInput } from "../context.js";
import { toReference } from "../context.js";
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
  const { depth = 8, artifactType, ...rest } = options;
  const top = await listReferrers(ctx, input, options);
  const repo = toReference(ctx, input).repositoryOnly();
  const below = async (referrer: Referrer, path: Set<string>, level: number): Promise<ReferrerNode> => {
    if (level >= depth || path.has(referrer.digest)) return { ...referrer, referrers: [] };
    const found = await listReferrers(ctx, `${repo.name}@${referrer.digest}`, rest);
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
