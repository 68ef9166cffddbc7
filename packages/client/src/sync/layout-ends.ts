/**
 * Planning a sync with an OCI image layout at one end (`oci:DIR`), reusing the layout reader that `push` uses and
 * the writer that `pull` uses. A layout's tags are its index.json entries' `org.opencontainers.image.ref.name`: a
 * tag, or the tag of a full reference (`docker.io/library/foo:1.0`, as skopeo writes for
 * `oci:DIR:docker.io/library/foo:1.0`; the OCI spec allows it), read as `push` reads it. An entry with no name, or
 * one that is neither, is not synced: the plan says so in the repository's warnings, and the other images go on.
 *
 * - layout → registry: each chosen tag's manifest digest (read from the layout) against the target's HEAD; the blobs
 *   of the images to copy looked up once each at the target, as between registries.
 * - registry → layout: each tag's HEAD against the digest the layout holds under that name. The blobs are not
 *   planned here: the pull that executes it skips blobs already in the layout and resumes partial ones.
 */
import { quotePath, quoteText, UsageError } from "@regatta/errors";
import { type ImageSource, openImageSource, tagPart } from "@regatta/layout";
import type { Descriptor } from "@regatta/manifest";
import { isValidTag, parseReference } from "@regatta/reference";
import { digestAt } from "../copy/plan.js";
import { getManifest, headManifest } from "../get-manifest.js";
import { mapConcurrent } from "../map-concurrent.js";
import type { Endpoint } from "./endpoints.js";
import { endpointTag } from "./endpoints.js";
import {
  count,
  isIndexType,
  jobTags,
  messageOf,
  missingImages,
  type PlanRun,
  planBlobs,
  plannedImage,
  recordable,
  registryTags,
  targetActions,
  targetTags,
} from "./plan-run.js";
import { rateLimitFromHeaders } from "./rate-limit.js";
import type { PlannedImage, PlannedRepository, SyncJob } from "./sync-types.js";

type Layout = Extract<Endpoint, { kind: "oci" }>;
type Registry = Extract<Endpoint, { kind: "registry" }>;

const byTag = (a: PlannedImage, b: PlannedImage) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);

/** An image planned as failed when keepGoing allows, else the error thrown. */
function failed(run: PlanRun, image: PlannedImage, error: unknown): PlannedImage {
  if (!run.options.keepGoing || !recordable(error)) throw error;
  return { ...image, action: "failed", blobs: [], manifests: 0, error: messageOf(error) };
}

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
          return failed(run, image, error);
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

/** Registry → layout. */
export async function planLayoutTarget(
  run: PlanRun,
  job: SyncJob,
  source: Registry,
  target: Layout,
  planned: PlannedRepository,
): Promise<void> {
  const { ctx, guard, signal } = run;
  const registry = source.repository.registry;
  const platforms = job.platforms ?? run.options.platforms ?? "all";
  if (platforms !== "all" && platforms.length !== 1) {
    throw new UsageError(
      `${quotePath(target.text)}: a layout takes every platform of an index, or one (pull's rule); ${platforms.length} were given`,
    );
  }
  const platform = platforms === "all" ? "all" : (platforms[0] as string);
  const { tags, missing, probe } = await registryTags(run, job, source);
  const absent = missingImages(run, source, target, missing);
  const held = await layoutDigests(target.dir);
  const images = await mapConcurrent(
    tags,
    run.width,
    async (tag, _i, s): Promise<PlannedImage> => {
      const src = source.repository.withTag(tag);
      const image = plannedImage(tag, src.toString(), endpointTag(target, tag));
      try {
        const head = await headManifest(ctx, src, { signal: s });
        guard.observe(registry, rateLimitFromHeaders(head.headers));
        let digest = head.digest;
        if (platform !== "all" && isIndexType(head.mediaType)) {
          // One platform of an index: the layout holds that image's manifest, known only by reading the index.
          await guard.take(registry, 2, probe, s);
          digest = (await getManifest(ctx, src, { platform, signal: s })).digest;
          count(run, registry, 2);
        }
        image.sourceDigest = digest;
        const have = held.get(tag);
        if (have !== undefined) image.targetDigest = have;
        if (have === digest) return image;
        image.action = "copy";
        // The pull reads the manifest once (an index: and each child); the plan counts the one it knows of.
        count(run, registry, 1);
        run.state.work.set(image, { kind: "layout-target", dir: target.dir, source: src, platform });
        return image;
      } catch (error) {
        return failed(run, image, error);
      }
    },
    signal,
  );
  planned.images = [...images, ...absent].sort(byTag);
}
