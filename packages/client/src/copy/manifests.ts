/**
 * Step 3 of a copy (copy.ts): the manifests, after their blobs, children before their index, the top manifest (and
 * with it the tag) last, so a reader never sees a tag whose content is incomplete. Each is pushed by digest as the
 * exact bytes fetched, so its digest is preserved.
 */
import { createHash } from "node:crypto";
import type { Reference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import type { CopyResult } from "../copy.js";
import { type PutManifestResult, putManifest } from "../put-manifest.js";
import type { OnTransferProgress } from "../transfer-events.js";
import type { Node } from "./plan.js";

/**
 * Runs one manifest put while no other put touching `digests` (the manifest written and the children it names) is
 * in flight; a sync passes one (sync/manifest-locks.ts), a single copy needs none.
 */
export type HoldManifests = <T>(digests: readonly string[], put: () => Promise<T>) => Promise<T>;

const unheld: HoldManifests = (_digests, put) => put();

/** Pushes the children the target lacks, then the top manifest as `topBytes`; returns what became of each. */
export async function pushManifests(
  ctx: ClientContext,
  target: Reference,
  plan: { children: Node[]; topBytes: Uint8Array; mediaType: string },
  options: {
    onProgress: OnTransferProgress | undefined;
    signal: AbortSignal | undefined;
    hold?: HoldManifests;
  },
): Promise<{ manifests: CopyResult["manifests"]; pushed: PutManifestResult }> {
  const { children, topBytes } = plan;
  const { onProgress, signal } = options;
  const hold = options.hold ?? unheld;
  // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
  const sig = signal ? { signal } : {};
  const manifests: CopyResult["manifests"] = [];
  for (const node of children) {
    if (!node.present)
      await hold([node.digest], () =>
        putManifest(ctx, target.withoutTag().withDigest(node.digest), node.bytes, {
          mediaType: node.mediaType,
          ...sig,
        }),
      );
    const outcome = node.present ? "skipped" : "pushed";
    manifests.push({
      digest: node.digest,
      mediaType: node.mediaType,
      ...(node.platform ? { platform: node.platform } : {}),
      outcome,
    });
    onProgress?.({
      type: "manifest",
      state: outcome,
      digest: node.digest,
      mediaType: node.mediaType,
      reference: target.withoutTag().withDigest(node.digest).toString(),
    });
  }
  const topDigest = `sha256:${createHash("sha256").update(topBytes).digest("hex")}`;
  const pushed = await hold([topDigest, ...children.map((c) => c.digest)], () =>
    putManifest(ctx, target, topBytes, { mediaType: plan.mediaType, ...sig }),
  );
  manifests.push({ digest: pushed.digest, mediaType: pushed.mediaType, outcome: "pushed" });
  onProgress?.({
    type: "manifest",
    state: "pushed",
    digest: pushed.digest,
    mediaType: pushed.mediaType,
    reference: target.toString(),
  });
  return { manifests, pushed };
}
