/**
 * Planning a sync with an OCI image layout at one end (`oci:DIR`), reusing the layout reader that `push` uses and
 * the writer that `pull` uses. A layout's tags are its index.json entries' `org.opencontainers.image.ref.name`: a
 * tag, or the tag of a full reference (`docker.io/library/foo:1.0`, as skopeo writes for
 * `oci:DIR:docker.io/library/foo:1.0`; the OCI spec allows it), read as `push` reads it. An entry with no name, or
 * one that is neither, is not synced: the plan says so in the repository's warnings, and the other images go on.
 *
 * - layout → registry: each chosen tag's manifest digest (read from the layout) against the target's HEAD; the blobs
 *   of the images to copy looked up once each at the target, as between registries.
 * - registry → layout: each tag's HEAD against the digest the layout holds under that name; the images to copy read
 *   whole (the GETs the pull would make, which then makes none), their blobs looked up in the layout: skip (a whole
 *   file there) or upload (to write; the pull resumes a partial one).
 */
import { quotePath, quoteText, UsageError } from "@regatta/errors";
import {
  confinedPath,
  digestParts,
  hasRegularFile,
  type ImageSource,
  openImageSource,
  tagPart,
} from "@regatta/layout";
import type { Descriptor } from "@regatta/manifest";
import { isValidTag, parseReference } from "@regatta/reference";
import { digestAt } from "../copy/plan.js";
import { DEFAULT_COPY_CONCURRENCY } from "../copy.js";
import { getManifest, headManifest } from "../get-manifest.js";
import { planReference } from "../layout/pull-plan.js";
import { mapConcurrent } from "../map-concurrent.js";
import type { Endpoint } from "./endpoints.js";
import { endpointTag } from "./endpoints.js";
import {
  count,
  failedImage,
  isIndexType,
  jobTags,
  missingImages,
  type PlanRun,
  planBlobs,
  plannedImage,
  registryTags,
  targetActions,
  targetTags,
} from "./plan-run.js";
import { rateLimitFromHeaders } from "./rate-limit.js";
import type { PlannedImage, PlannedRepository, SyncJob } from "./sync-types.js";

type Layout = Extract<Endpoint, { kind: "oci" }>;
type Registry = Extract<Endpoint, { kind: "registry" }>;

const byTag = (a: PlannedImage, b: PlannedImage) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);

/** The tag a ref.name gives: itself, or the tag of a full reference (push's reading); undefined for neither. */
function refNameTag(name: string): string | undefined {
  if (isValidTag(name)) return name;
  const tag = tagPart(name);
  try {
    const ref = parseReference(name, { defaultTag: false });
    return tag !== undefined && ref.tag === tag && ref.digest === undefined ? tag : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The images of a layout source by tag (`names`: tag → the ref.name to open it by), and warnings for the entries
 * left out: no ref.name, a ref.name that is neither a tag nor a reference, two entries giving one tag.
 */
function layoutTags(source: Layout, opened: Pick<ImageSource, "names" | "unnamed">) {
  const warnings: string[] = [];
  const named = new Map<string, string[]>();
  for (const name of opened.names) {
    const tag = refNameTag(name);
    if (tag === undefined) {
      warnings.push(
        `${quotePath(source.text)}: the ref.name ${quoteText(name)} is neither a tag nor an image reference: not synced`,
      );
    } else named.set(tag, [...(named.get(tag) ?? []), name]);
  }
  const names = new Map<string, string>();
  for (const [tag, given] of named) {
    if (given.length === 1) names.set(tag, given[0] as string);
    else {
      warnings.push(
        `${quotePath(source.text)}: ${given.length} entries give the tag ${tag} (${given.map((n) => JSON.stringify(n)).join(", ")}): not synced`,
      );
    }
  }
  const unnamed = opened.unnamed ?? 0;
  if (unnamed > 0) {
    warnings.push(
      `${quotePath(source.text)} has ${unnamed} image${unnamed === 1 ? "" : "s"} without org.opencontainers.image.ref.name: not synced`,
    );
  }
  return { names, warnings };
}

/** Layout → registry. */
export async function planLayoutSource(
  run: PlanRun,
  job: SyncJob,
  source: Layout,
  target: Registry,
  planned: PlannedRepository,
): Promise<void> {
  const platforms = job.platforms ?? run.options.platforms ?? "all";
  if (platforms !== "all") {
    throw new UsageError(
      `${quotePath(source.text)}: a layout is pushed as it is; platforms are chosen when pulling it`,
    );
  }
  const opened = await openImageSource(source.dir, "oci");
  try {
    // As between registries (plan.ts): a tag the target does not list is not HEADed there, nor anything in a
    // target repository with no tags.
    const atTarget = await targetTags(run, target.repository);
    const fresh = atTarget?.size === 0;
    const { names, warnings } = layoutTags(source, opened);
    if (warnings.length) planned.warnings = warnings;
    const { tags, missing } = jobTags(job, source, [...names.keys()]);
    const absent = missingImages(run, source, target, missing);
    const descriptors = new Map<string, Pick<Descriptor, "digest" | "size" | "mediaType">>();
    const images = await mapConcurrent(
      tags,
      run.width,
      async (tag, _i, s): Promise<PlannedImage> => {
        const dst = target.repository.withTag(tag);
        const image = plannedImage(tag, endpointTag(source, tag), dst.toString());
        const name = names.get(tag) as string;
        try {
          const content = await opened.image(name);
          image.sourceDigest = content.top.digest;
          const listed = atTarget === undefined || atTarget.has(tag);
          const targetDigest = listed
            ? await digestAt(run.ctx, dst, s, targetActions(run.options))
            : undefined;
          if (targetDigest !== undefined) image.targetDigest = targetDigest;
          if (targetDigest === content.top.digest) return image;
          image.action = "copy";
          image.blobs = content.blobs.map((b) => b.digest);
          image.manifests = content.children.length + 1;
          for (const b of content.blobs) descriptors.set(b.digest, b);
          run.state.work.set(image, { kind: "layout-source", dir: source.dir, name, target: dst });
          return image;
        } catch (error) {
          return failedImage(run, image, error);
        }
      },
      run.signal,
    );
    planned.images = [...images, ...absent].sort(byTag);
    planned.blobs = await planBlobs(
      run,
      target.repository,
      descriptors as Map<string, Descriptor>,
      () => "upload",
      fresh,
    );
  } finally {
    await opened.close();
  }
}

/** The digest the layout at `dir` holds under each name (none when it is no layout yet). */
async function layoutDigests(dir: string): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  let opened: Awaited<ReturnType<typeof openImageSource>>;
  try {
    opened = await openImageSource(dir, "oci");
  } catch {
    // Not a layout yet (missing, empty): everything is to copy, and the pull says so if it cannot write there.
    return digests;
  }
  try {
    for (const name of new Set(opened.names)) {
      try {
        digests.set(name, (await opened.image(name)).top.digest);
      } catch {
        // An entry whose content is incomplete or ambiguous is not up to date: the pull writes it again.
      }
    }
  } finally {
    await opened.close();
  }
  return digests;
}

/** Whether the layout at `root` holds the blob (or manifest) `digest` whole: a regular file of its size, as pull checks. */
function layoutHolds(root: string, digest: string, size: number): Promise<boolean> {
  return hasRegularFile(confinedPath(root, "blobs", ...digestParts(digest)), size);
}

/**
 * Registry → layout. Each tag's HEAD against the digest the layout holds under that name; an image to copy is read
 * whole (its manifest, an index's children: the GETs the pull would make, counted here, and the pull makes none
 * again), so its blobs are listed and looked up in the layout (skip: a whole file is there; upload: to write). The
 * blobs step is returned, taken in the jobs' order by planSync: a blob an earlier job writes into the same layout is
 * no second write.
 */
export async function planLayoutTarget(
  run: PlanRun,
  job: SyncJob,
  source: Registry,
  target: Layout,
  planned: PlannedRepository,
): Promise<() => Promise<void>> {
  const { ctx, guard, signal } = run;
  const registry = source.repository.registry;
  const platforms = job.platforms ?? run.options.platforms ?? "all";
  if (platforms !== "all" && platforms.length !== 1) {
    throw new UsageError(
      `${quotePath(target.text)}: a layout takes every platform of an index, or one (pull's rule); ${platforms.length} were given`,
    );
  }
  const platform = platforms === "all" ? "all" : (platforms[0] as string);
  if (source.digest !== undefined) {
    throw new UsageError(
      `${source.text}@${source.digest}: a layout names its images by tag; name a tag of the source (or pull it by digest)`,
    );
  }
  const concurrency = Math.max(1, run.options.concurrency ?? DEFAULT_COPY_CONCURRENCY);
  const { tags, missing, probe } = await registryTags(run, job, source);
  const absent = missingImages(run, source, target, missing);
  const held = await layoutDigests(target.dir);
  const descriptors = new Map<string, number>();
  const images = await mapConcurrent(
    tags,
    run.width,
    async (tag, _i, s): Promise<PlannedImage> => {
      const src = source.repository.withTag(tag);
      const image = plannedImage(tag, src.toString(), endpointTag(target, tag));
      try {
        const head = await headManifest(ctx, src, { signal: s });
        guard.observe(registry, rateLimitFromHeaders(head.headers));
        const have = held.get(tag);
        if (have !== undefined) image.targetDigest = have;
        image.sourceDigest = head.digest;
        // One platform of an index: the layout holds that image's manifest, known only by reading the index.
        const whole = platform === "all" || !isIndexType(head.mediaType);
        if (whole && have === head.digest) return image;
        const gets = whole ? 1 : 2;
        await guard.take(registry, gets, probe, s);
        const got = await getManifest(ctx, src, { ...(platform === "all" ? {} : { platform }), signal: s });
        count(run, registry, gets);
        guard.observe(registry, rateLimitFromHeaders(got.headers));
        image.sourceDigest = got.digest;
        if (have === got.digest) return image;
        if (got.kind === "index") {
          const children = (got.manifest as { manifests?: unknown[] }).manifests?.length ?? 0;
          await guard.take(registry, children, probe, s);
        }
        const options = {
          platform,
          concurrency,
          signal: s,
          ...(platform === "all" ? {} : { asked: platform }),
        };
        const reference = await planReference(ctx, src, options, got);
        // The children of an index, read whole (nested ones too).
        count(run, registry, reference.manifests.length - 1);
        const needed = new Map<string, number>();
        for (const i of reference.images)
          for (const d of [i.config, ...i.layers]) needed.set(d.digest, d.size);
        for (const [digest, size] of needed) descriptors.set(digest, size);
        const written = await mapConcurrent(
          reference.manifests,
          concurrency,
          async (m) => !(await layoutHolds(target.dir, m.digest, m.size)),
          s,
        );
        image.action = "copy";
        image.blobs = [...needed.keys()];
        image.manifests = written.filter(Boolean).length;
        run.state.work.set(image, {
          kind: "layout-target",
          dir: target.dir,
          source: src,
          platform,
          reference,
        });
        return image;
      } catch (error) {
        return failedImage(run, image, error);
      }
    },
    signal,
  );
  planned.images = [...images, ...absent].sort(byTag);
  return async () => {
    // Blobs an earlier job of the run writes into this layout are there by the time this one's pull runs.
    const key = `oci:${target.dir}`;
    const known = run.blobHomes.get(key) ?? new Map();
    run.blobHomes.set(key, known);
    const blobs = [...descriptors].sort(([a], [b]) => (a < b ? -1 : 1));
    planned.blobs = await mapConcurrent(
      blobs,
      concurrency,
      async ([digest, size]) => ({
        digest,
        size,
        action:
          known.has(digest) || (await layoutHolds(target.dir, digest, size))
            ? ("skip" as const)
            : ("upload" as const),
      }),
      run.signal,
    );
    for (const { digest } of planned.blobs) known.set(digest, { repository: key, action: "skip" });
  };
}
