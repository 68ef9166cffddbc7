/**
 * The referrers of an image copied along with it, as `regctl image copy --referrers` and `oras cp -r` do: every
 * referrer of the source image (and theirs, recursively) is copied by digest into the target repository, cosign's
 * tags under the same tag names; where the target has no referrers API, each copied referrer is added to its
 * subject's fallback tag index there (fallback-tag.ts). An index's platform manifests (and the manifests of an index
 * it lists) have referrers of their own (`cosign sign --recursive`, `oras attach` to a platform digest): they are
 * copied the same way, each child's to the same depth as the image's, as regctl does for every child
 * (referrer-tree.ts subjectTrees). The image itself must already be at the target with the same digest (a rewritten
 * index has other referrers, none of these). Used by `copy({ referrers: true })` and by `sync({ referrers: true })`
 * (sync/plan-referrers.ts); see docs/artifacts.md.
 */
import { UsageError } from "@regatta/errors";
import type { Descriptor } from "@regatta/manifest";
import { parseReference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { copyImage } from "../copy.js";
import { headManifest } from "../get-manifest.js";
import { addToFallbackIndex } from "./fallback-tag.js";
import { listReferrers, type ReferrerSource } from "./list-referrers.js";
import { type ReferrerNode, subjectTrees } from "./referrer-tree.js";

export interface CopyReferrersOptions {
  /** Levels of referrers copied at most (default 8, as {@link referrerTree}). */
  depth?: number;
  /** Also copy cosign's `.sig`/`.att`/`.sbom` tags (default true). */
  cosign?: boolean;
  /** The image's media type when known: an image manifest's saves the GET that looks for an index's children. */
  mediaType?: string;
  signal?: AbortSignal;
}

/** One referrer copied. */
export interface CopiedReferrer {
  digest: string;
  /** The manifest it refers to: the image, one of its index's manifests, or another referrer. */
  subject: string;
  source: ReferrerSource;
  /** The tag it was copied under (cosign's), when it has one. */
  tag?: string;
  /** Whether it was added to the subject's fallback index at the target. */
  fallback: boolean;
}

export interface CopyReferrersResult {
  /** The subject's digest, the same at both ends. */
  digest: string;
  /** Whether the target has the referrers API (false: the fallback indexes there were updated). */
  targetApi: boolean;
  /** Every referrer copied, the image's first, then those of each manifest its index lists (parents first). */
  copied: CopiedReferrer[];
  /** Of `copied`, those under a manifest the index lists (a platform image) rather than under the image itself. */
  ofChildren: number;
}

/** Copies the referrers of `sourceInput` to the repository of `targetInput`, which already holds the image. */
export async function copyReferrers(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  targetInput: ReferenceInput,
  options: CopyReferrersOptions = {},
): Promise<CopyReferrersResult> {
  const signal = options.signal ? { signal: options.signal } : {};
  const source = toReference(ctx, sourceInput);
  const target = toReference(ctx, targetInput);
  const { top: tree, children } = await subjectTrees(ctx, source, {
    ...signal,
    ...(options.depth !== undefined ? { depth: options.depth } : {}),
    ...(options.cosign !== undefined ? { cosign: options.cosign } : {}),
    ...(options.mediaType !== undefined ? { mediaType: options.mediaType } : {}),
  });
  const targetDigest =
    target.digest ?? (await headManifest(ctx, target, { ...signal, mirrors: false })).digest;
  if (targetDigest !== tree.digest) {
    throw new UsageError(
      `${target.familiar()} is ${targetDigest}, not ${tree.digest} as ${source.familiar()}: its referrers refer to another manifest (copy the image unchanged first)`,
    );
  }
  const from = source.repositoryOnly();
  const to = target.repositoryOnly();
  // The API is the registry's, not the subject's: one look (a 404 reads the fallback tag) says it for every level.
  const targetApi = (await listReferrers(ctx, `${to.name}@${tree.digest}`, { ...signal, cosign: false })).api;
  const copied: CopiedReferrer[] = [];
  // Parents first: a referrer's subject must be at the target before its fallback index names it.
  const visit = async (nodes: ReferrerNode[], subject: string): Promise<void> => {
    for (const node of nodes) {
      const byTag = node.source === "cosign-tag" && node.tag !== undefined;
      const ref = (name: string) => parseReference(byTag ? `${name}:${node.tag}` : `${name}@${node.digest}`);
      await copyImage(ctx, ref(from.name), ref(to.name), signal);
      // cosign's tags are found by their names, not by any index.
      const fallback = !targetApi && node.source !== "cosign-tag";
      if (fallback) await addToFallbackIndex(ctx, to, subject, descriptorOf(node), signal);
      copied.push({
        digest: node.digest,
        subject,
        source: node.source,
        ...(byTag ? { tag: node.tag as string } : {}),
        fallback,
      });
      await visit(node.referrers, node.digest);
    }
  };
  await visit(tree.referrers, tree.digest);
  const own = copied.length;
  // The children are at the target already, copied unchanged with the index (same digests).
  for (const child of children) await visit(child.referrers, child.digest);
  return { digest: tree.digest, targetApi, copied, ofChildren: copied.length - own };
}

/** The descriptor of a referrer, without what the listing added (`source`, `tag`, `referrers`). */
function descriptorOf(node: ReferrerNode): Descriptor {
  const { source: _source, tag: _tag, referrers: _referrers, ...descriptor } = node;
  return descriptor;
}
