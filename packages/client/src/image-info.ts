import { UnsupportedError } from "@regatta/errors";
import {
  type Descriptor,
  formatPlatform,
  IMAGE_CONFIG_TYPES,
  type ImageConfig,
  type ImageManifest,
  type Index,
  manifestSum,
} from "@regatta/manifest";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import {
  getDescribedManifest,
  getManifest,
  type ManifestOptions,
  type ManifestResult,
} from "./get-manifest.js";
import {
  type ConfigResult,
  checkAskedPlatforms,
  checkSinglePlatform,
  configPlatform,
  readConfig,
} from "./image-config.js";
import { mapConcurrent } from "./map-concurrent.js";
import { listReferrers } from "./referrers/list-referrers.js";

export { type ConfigResult, checkAskedPlatforms, configPlatform, readConfig } from "./image-config.js";

/**
 * The image config of a reference (resolving an index for the platform: the client's default when none given).
 * A platform asked for (the call's or `client.with({ platform })`'s) that a single image's config contradicts is
 * refused, as an index without it is ({@link checkSinglePlatform}).
 */
export async function getConfig(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ManifestOptions = {},
): Promise<ConfigResult> {
  const image = await resolveImage(ctx, input, options);
  const got = await readConfig(ctx, image, options.signal);
  const platform = configPlatform(got.config);
  const named = { ...got, ...(platform ? { platform } : {}) };
  if (image.index) return { ...named, index: image.index.digest };
  // The config is read here anyway: checked once, not read a second time by imageManifest's check.
  checkSinglePlatform(image, got.config, options.platform ?? ctx.chosenPlatform);
  return named;
}

/**
 * The image manifest a reference designates: itself, or the index's entry for the platform. A platform asked for
 * (the call's or `client.with({ platform })`'s) that a single image's config contradicts is refused here
 * ({@link checkAskedPlatforms}), so every reader of an image's files (cat, ls, export) refuses it as inspect does.
 */
export async function imageManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ManifestOptions = {},
): Promise<ManifestResult> {
  const got = await resolveImage(ctx, input, options);
  const asked = options.platform ?? ctx.chosenPlatform;
  if (asked === undefined) return got;
  await checkAskedPlatforms(
    ctx,
    got,
    [typeof asked === "string" ? asked : formatPlatform(asked)],
    options.signal,
  );
  return got;
}

/** {@link imageManifest} without the check of a single image's platform (its caller checks it). */
async function resolveImage(ctx: ClientContext, input: ReferenceInput, options: ManifestOptions) {
  const got = await getManifest(ctx, input, { ...options, platform: options.platform ?? ctx.platform });
  if (got.kind !== "image") {
    throw new UnsupportedError(
      `${got.reference.familiar()} is a ${got.kind} manifest (${got.mediaType}), not an image with a config`,
    );
  }
  return got;
}

/** One platform's image in a summary. */
export interface PlatformSummary {
  platform: string;
  digest: string;
  mediaType: string;
  /** Config + layers, compressed, as stored in the registry. */
  size: number;
}

export interface LayerSummary {
  digest: string;
  mediaType: string;
  size: number;
}

/** What `regatta inspect` shows. */
export interface ImageSummary {
  reference: string;
  digest: string;
  mediaType: string;
  kind: ManifestResult["kind"];
  /** For an index: each platform's image. */
  platforms?: PlatformSummary[];
  /** For an image (or the platform picked from an index): */
  platform?: string;
  /** The digest of the index the image was picked from, when the reference named an index. */
  index?: string;
  config?: { digest: string; size: number };
  layers?: LayerSummary[];
  /** Total size: config + layers (the Ruby gem's manifest_sum); for an index, the sum over all platforms. */
  size: number;
  created?: string;
  /** The docker version that built it (the config's `docker_version`, docker's builds only): skopeo's DockerVersion. */
  dockerVersion?: string;
  labels?: Record<string, string>;
  artifactType?: string;
  subject?: string;
  /**
   * What the image runs, from its config (`config` of the image config, OCI names in camel case): present when the
   * config says so. Docker writes `null` for an empty list; that is left out here too.
   * https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md#properties
   */
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  /** `80/tcp`, `53/udp`…, in the config's order. */
  exposedPorts?: string[];
  /** The volumes the config declares (`/data`…), in its order, as `docker inspect` shows `Config.Volumes`. */
  volumes?: string[];
  stopSignal?: string;
  /** How many steps the build history records (`empty_layer` ones included), as `docker history` lists them. */
  historyLength?: number;
  /**
   * How many manifests refer to the one summarised (`digest`): OCI 1.1 referrers, from the API or the fallback tag,
   * and cosign's legacy tags — present only when asked (`referrers: true`), since it costs a request or three.
   */
  referrers?: number;
}

/** Options of `inspect`. */
export interface InspectOptions extends ManifestOptions {
  /** Count the image's referrers too ({@link ImageSummary.referrers}). Default false; the REPL asks. */
  referrers?: boolean;
  /**
   * Read each image's config blob, for created, labels, platform and what it runs. Default true; false leaves those
   * out and costs only the manifests (`regatta size`: sizes need no config, and a config may be large).
   */
  config?: boolean;
}

/** The runtime fields of an image config that a summary shows (see {@link ImageSummary}). */
function runtimeFields(config: ImageConfig): Partial<ImageSummary> {
  const c = config.config ?? {};
  const out: Partial<ImageSummary> = {};
  if (c.Entrypoint) out.entrypoint = c.Entrypoint;
  if (c.Cmd) out.cmd = c.Cmd;
  if (c.Env) out.env = c.Env;
  if (c.User) out.user = c.User;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.ExposedPorts) out.exposedPorts = Object.keys(c.ExposedPorts);
  if (c.Volumes && Object.keys(c.Volumes).length) out.volumes = Object.keys(c.Volumes);
  if (c.StopSignal) out.stopSignal = c.StopSignal;
  if (config.history) out.historyLength = config.history.length;
  return out;
}

/**
 * A summary of what a reference points to. For an index it lists every platform with its size; with `platform` it
 * describes that platform's image instead.
 */
export async function inspectImage(
  ctx: ClientContext,
  input: ReferenceInput,
  options: InspectOptions = {},
  /** Read the config blob for created, labels and platform; sizes alone do not need it. */
  withConfig = true,
): Promise<ImageSummary> {
  const { referrers, config = true, ...manifestOptions } = options;
  const summary = await summarise(ctx, input, manifestOptions, withConfig && config);
  if (!referrers) return summary;
  const pinned = toReference(ctx, input).withoutTag().withDigest(summary.digest);
  const found = await listReferrers(ctx, pinned, options.signal ? { signal: options.signal } : {});
  return { ...summary, referrers: found.referrers.length };
}

async function summarise(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ManifestOptions,
  withConfig: boolean,
): Promise<ImageSummary> {
  const top = await getManifest(ctx, toReference(ctx, input), options);
  const base = {
    reference: top.reference.familiar(),
    digest: top.digest,
    mediaType: top.mediaType,
    kind: top.kind,
  };
  if (top.kind === "index") {
    const index = top.manifest as Index;
    const platforms = await mapConcurrent(
      index.manifests,
      ctx.concurrency,
      async (d: Descriptor, _i, signal) => {
        const child = await getDescribedManifest(ctx, top.reference, d, { signal });
        return {
          platform: d.platform ? formatPlatform(d.platform) : "unknown",
          digest: d.digest,
          mediaType: d.mediaType,
          size: child.kind === "image" ? manifestSum(child.manifest as ImageManifest) : child.size,
        };
      },
      options.signal,
    );
    return { ...base, platforms, size: platforms.reduce((sum, p) => sum + p.size, 0) };
  }
  if (top.kind !== "image") return { ...base, size: top.size };
  const manifest = top.manifest as ImageManifest;
  const summary: ImageSummary = {
    ...base,
    ...(top.platform ? { platform: top.platform } : {}),
    ...(top.index ? { reference: top.index.reference.familiar(), index: top.index.digest } : {}),
    config: { digest: manifest.config.digest, size: manifest.config.size },
    layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
    size: manifestSum(manifest),
    ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    ...(manifest.subject ? { subject: manifest.subject.digest } : {}),
  };
  // A platform asked of a single image is checked against its config, which `size` alone would not read.
  const asked = top.index ? undefined : options.platform;
  if ((withConfig || asked !== undefined) && IMAGE_CONFIG_TYPES.has(manifest.config.mediaType)) {
    const { config } = await readConfig(ctx, top, options.signal);
    checkSinglePlatform(top, config, asked);
    const own = configPlatform(config);
    if (!summary.platform && own) summary.platform = own;
    if (config.created) summary.created = config.created;
    if (typeof config.docker_version === "string" && config.docker_version)
      summary.dockerVersion = config.docker_version;
    if (config.config?.Labels) summary.labels = config.config.Labels;
    Object.assign(summary, runtimeFields(config));
  }
  return summary;
}
