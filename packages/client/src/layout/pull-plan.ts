/**
 * What a pull is going to write, worked out before a single blob is downloaded: for each reference, the manifests
 * (exact bytes, digests verified), the images with their config and layers, and the distinct blobs to fetch. Knowing
 * every size up front is what lets the docker-archive writer lay the tarball out in advance and the progress display
 * show a total from the start. The plan's types belong to `@regatta/layout`, whose writers read it; filling it
 * takes the registry, so that part is here.
 */
import { UnsupportedError } from "@regatta/errors";
import {
  digestParts,
  type PlannedBlob,
  type PlannedImage,
  type PlannedReference,
  type PullPlan,
  type StoredManifest,
} from "@regatta/layout";
import { formatPlatform, type ImageIndex, type ImageManifest, type ParsedManifest } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { getDescribedManifest, getManifest, type ManifestResult } from "../get-manifest.js";
import { checkAskedPlatforms } from "../image-config.js";
import { refuseDeepIndex } from "../index-depth.js";
import { mapConcurrent } from "../map-concurrent.js";

export interface PlanOptions {
  /** Resolve indexes to this platform (`os/arch[/variant]`), or keep them whole with `"all"`. */
  platform: string | "all";
  /**
   * The platform the caller asked for (not the host's default): a single image of another platform is then refused,
   * as `config` and `copy` refuse it (image-config.ts), rather than pulled as if it were the one asked for.
   */
  asked?: string;
  concurrency: number;
  signal?: AbortSignal;
}

function stored(m: Pick<ManifestResult, "digest" | "mediaType" | "size" | "bytes">): StoredManifest {
  return { digest: m.digest, mediaType: m.mediaType, size: m.size, bytes: m.bytes };
}

function refuseSchema1(ref: Reference, parsed: ParsedManifest): void {
  if (parsed.kind === "schema1") {
    throw new UnsupportedError(
      `${ref.familiar()} is a Docker schema 1 manifest, which has no config blob and cannot be saved in these formats`,
    );
  }
}

/** Fetches the children of an index (and of nested indexes), depth first, digests verified against the entries. */
async function expandIndex(
  ctx: ClientContext,
  ref: Reference,
  index: ImageIndex,
  options: PlanOptions,
  out: { manifests: StoredManifest[]; images: PlannedImage[] },
  depth = 1,
): Promise<void> {
  refuseDeepIndex(ref, depth);
  const children = await mapConcurrent(
    index.manifests,
    options.concurrency,
    (entry, _i, signal) => getDescribedManifest(ctx, ref, entry, { signal }),
    options.signal,
  );
  for (const [i, child] of children.entries()) {
    refuseSchema1(ref, child.parsed);
    out.manifests.push(stored(child));
    const entry = index.manifests[i]!;
    if (child.kind === "index") {
      await expandIndex(ctx, ref, child.manifest as ImageIndex, options, out, depth + 1);
    } else {
      const m = child.manifest as ImageManifest;
      out.images.push({
        manifest: stored(child),
        config: m.config,
        layers: m.layers,
        ...(entry.platform ? { platform: formatPlatform(entry.platform) } : {}),
      });
    }
  }
}

/**
 * Resolves one reference: the manifest for the platform, or the whole index with its children. `got` is the
 * reference's manifest when the caller fetched it already (as for the platform, or whole with `all`).
 */
export async function planReference(
  ctx: ClientContext,
  ref: Reference,
  options: PlanOptions,
  got?: ManifestResult,
): Promise<PlannedReference> {
  const all = options.platform === "all";
  got ??= await getManifest(ctx, ref, {
    ...(all ? {} : { platform: options.platform }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  refuseSchema1(ref, got.parsed);
  if (options.asked !== undefined && !all)
    await checkAskedPlatforms(ctx, got, [options.asked], options.signal);
  if (got.kind === "index") {
    const out = { manifests: [stored(got)], images: [] as PlannedImage[] };
    await expandIndex(ctx, ref, got.manifest as ImageIndex, options, out);
    return { reference: ref, top: stored(got), ...out };
  }
  const m = got.manifest as ImageManifest;
  const image: PlannedImage = {
    manifest: stored(got),
    config: m.config,
    layers: m.layers,
    ...(got.platform ? { platform: got.platform } : {}),
  };
  return {
    reference: ref,
    top: stored(got),
    manifests: [stored(got)],
    images: [image],
    ...(got.index ? { index: { digest: got.index.digest, mediaType: got.index.mediaType } } : {}),
    ...(got.platform ? { platform: got.platform } : {}),
  };
}

/** Resolves every reference and lists the distinct blobs they need, configs before the layers of each image. */
export async function planPull(
  ctx: ClientContext,
  references: Reference[],
  options: PlanOptions,
): Promise<PullPlan> {
  const planned = await mapConcurrent(
    references,
    options.concurrency,
    (ref, _i, signal) => planReference(ctx, ref, { ...options, signal }),
    options.signal,
  );
  return pullPlanOf(planned);
}

/** The plan of references already resolved (planReference): the distinct blobs, configs before each image's layers. */
export function pullPlanOf(planned: PlannedReference[]): PullPlan {
  const seen = new Set<string>();
  const blobs: PlannedBlob[] = [];
  for (const p of planned) {
    const repository = p.reference.repositoryOnly();
    for (const image of p.images) {
      const items = [
        { d: image.config, kind: "config" as const },
        ...image.layers.map((d) => ({ d, kind: "layer" as const })),
      ];
      for (const { d, kind } of items) {
        digestParts(d.digest); // a digest that cannot be a file name fails here, before anything is written
        if (seen.has(d.digest)) continue;
        seen.add(d.digest);
        blobs.push({ digest: d.digest, size: d.size, mediaType: d.mediaType, kind, repository });
      }
    }
  }
  return { references: planned, blobs };
}
