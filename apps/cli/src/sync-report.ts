/**
 * What `regatta sync` prints: the plan of a dry run (text or the plan itself as JSON), the line per image as it is
 * done, and the summary at the end (text, or --json). Plain functions of the client's plain data.
 */
import type { SyncedImage, SyncPlan, SyncResult } from "@regatta/client";
import { countNoun, humanSize, shortDigest } from "./output.js";

/** `sha256:abcd…` or `none`. */
const short = (digest: string | undefined) => (digest ? shortDigest(digest) : "none");

/** The plan for people: each repository and image, then the totals. */
export function planText(plan: SyncPlan): string {
  const lines: string[] = [];
  const t = plan.totals;
  const shard = plan.shard
    ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.repositoriesInAll})`
    : "";
  lines.push(`plan: ${t.repositories} repositor${t.repositories === 1 ? "y" : "ies"}${shard}`);
  for (const repo of plan.repositories) {
    const copy = repo.images.filter((i) => i.action === "copy").length;
    const skip = repo.images.filter((i) => i.action === "skip").length;
    lines.push(`  ${repo.source} -> ${repo.target}: ${copy} to copy, ${skip} up to date`);
    if (repo.error !== undefined) lines.push(`    failed: ${repo.error}`);
    for (const image of repo.images) {
      if (image.action === "copy") {
        lines.push(
          `    copy ${image.tag} (${short(image.sourceDigest)}; target has ${short(image.targetDigest)}; ${countNoun(image.blobs.length, "blob")}, ${countNoun(image.manifests, "manifest")})`,
        );
      } else if (image.action === "skip")
        lines.push(`    skip ${image.tag} (up to date, ${short(image.sourceDigest)})`);
      else lines.push(`    fail ${image.tag}: ${image.error ?? "failed"}`);
    }
  }
  lines.push(
    `images: ${t.images.copy} to copy, ${t.images.skip} up to date, ${t.images.failed} failed`,
    `blobs: ${t.blobs.upload} to upload (${humanSize(t.bytes.upload)}), ${t.blobs.mount} to mount (${humanSize(t.bytes.mount)}), ${t.blobs.skip} already there (${humanSize(t.bytes.skip)})${t.blobs.foreign ? `, ${t.blobs.foreign} foreign` : ""}`,
    `manifest GETs: ${t.manifestGets}, of which ${t.quotaGets} count against a pull quota (the plan made them; the sync reuses them)`,
  );
  for (const [registry, q] of Object.entries(plan.rateLimits)) {
    lines.push(
      `pull quota of ${registry}: ${q.remaining ?? "?"} of ${q.limit ?? "?"} left${q.window !== undefined ? ` in a ${q.window} s window` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** One image done, for stderr. */
export function imageLine(image: SyncedImage): string {
  if (image.outcome === "failed") return `failed ${image.source}: ${image.error ?? ""}`;
  return `copied ${image.source} -> ${image.target} (${short(image.digest)})`;
}

/** The summary line: images, blobs, bytes, time. */
export function summaryLine(result: SyncResult): string {
  const b = result.blobs;
  return `sync: ${result.copied} copied, ${result.skipped} up to date, ${result.failed} failed; blobs ${b.uploaded} uploaded, ${b.mounted} mounted, ${b.skipped} skipped; ${humanSize(result.bytesUploaded)} in ${result.seconds.toFixed(1)} s\n`;
}

/** The --json summary: counts, the shard, each image's outcome, the plan's totals and warnings (what it left out). */
export function summaryJson(result: SyncResult) {
  const warnings = result.plan.repositories.flatMap((r) => r.warnings ?? []);
  return {
    copied: result.copied,
    skipped: result.skipped,
    failed: result.failed,
    blobs: result.blobs,
    bytesUploaded: result.bytesUploaded,
    seconds: result.seconds,
    ...(result.plan.shard ? { shard: result.plan.shard } : {}),
    totals: result.plan.totals,
    rateLimits: result.plan.rateLimits,
    images: result.images,
    ...(warnings.length ? { warnings } : {}),
  };
}
