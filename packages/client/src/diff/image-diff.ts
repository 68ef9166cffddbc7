/**
 * `reg.diff(a, b)` (issue 14, "image diff"): what differs between two images, or two indexes, as data; the CLI and
 * the REPL render it. docs/explore.md has the story.
 *
 * - Two images: manifest and config fields (config-diff.ts), layers by digest (layer-diff.ts), and with `files` the
 *   merged filesystems path by path (files-diff.ts, over files/filesystem-index.ts: layers streamed, whiteouts
 *   honoured).
 * - An index against an image: the index side is resolved to one platform (`platform`, else the client's) and the
 *   result says so in `notes`: comparing an index's bytes with an image's says nothing useful.
 * - Two indexes without `platform`: their platform lists, and for each platform both have, the two images.
 *   With `platform`, both are resolved to it.
 */
import { UnsupportedError } from "@regatta/errors";
import {
  formatPlatform,
  IMAGE_CONFIG_TYPES,
  type ImageConfig,
  type ImageManifest,
  type Index,
  manifestSum,
} from "@regatta/manifest";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { filesystemIndex } from "../files/filesystem-index.js";
import { imageLayers } from "../files/image-files.js";
import { getDescribedManifest, getManifest, type ManifestResult } from "../get-manifest.js";
import { checkAskedPlatforms, configPlatform, readConfig } from "../image-info.js";
import { type ConfigDiff, diffConfigs, mapDiffEmpty } from "./config-diff.js";
import { diffFiles, type FilesDiff } from "./files-diff.js";
import { diffLayers, type LayerDiff, layerRefs } from "./layer-diff.js";

/** Options of `reg.diff()`. */
export interface DiffOptions {
  /** Resolve indexes to this platform (`os/arch[/variant]`); needed only to choose one image of two indexes. */
  platform?: string;
  /** Compare the filesystems too: every layer of both images is read (streamed, not stored). */
  files?: boolean;
  signal?: AbortSignal;
}

/** One side of an image diff. */
export interface DiffImageSide {
  /** As given, e.g. `team/api:1.0`. */
  reference: string;
  digest: string;
  mediaType: string;
  /** The platform its config names (or the index entry it was picked by). */
  platform?: string;
  /** When the reference named an index: the index's digest (the image is its entry for `platform`). */
  index?: string;
  /** The config's digest (absent for a manifest without an image config). */
  config?: string;
  /** Config + layers, compressed. */
  size: number;
}

/** The differences of two images. */
export interface ImageDiff {
  kind: "image";
  a: DiffImageSide;
  b: DiffImageSide;
  /** The same manifest (same digest): nothing differs. */
  identical: boolean;
  /** What the reader should know about how the sides were chosen (an index resolved to a platform). */
  notes: string[];
  /** The manifest's media type, when it differs. */
  mediaType?: { a: string; b: string };
  config: ConfigDiff;
  layers: LayerDiff;
  /** With `files`: the filesystems compared. */
  files?: FilesDiff;
}

/** One side of an index diff. */
export interface DiffIndexSide {
  reference: string;
  digest: string;
  mediaType: string;
  /** The platforms it lists (buildx's `unknown/unknown` attestation entries left out). */
  platforms: string[];
}

/** The differences of two indexes: their platforms, and each platform both have, image against image. */
export interface IndexDiff {
  kind: "index";
  a: DiffIndexSide;
  b: DiffIndexSide;
  identical: boolean;
  notes: string[];
  platforms: { onlyA: string[]; onlyB: string[]; common: string[] };
  /** One per common platform, in A's order. */
  images: ImageDiff[];
}

/** The result of `reg.diff()`. */
export type Diff = ImageDiff | IndexDiff;

/** Whether an image diff found nothing different (files included when compared). */
export function imageDiffEmpty(diff: ImageDiff): boolean {
  const { config, layers, files } = diff;
  return (
    !diff.mediaType &&
    config.fields.length === 0 &&
    mapDiffEmpty(config.env) &&
    mapDiffEmpty(config.labels) &&
    config.exposedPorts.added.length + config.exposedPorts.removed.length === 0 &&
    layers.added.length + layers.removed.length + layers.changed.length === 0 &&
    (!files || files.added.length + files.removed.length + files.changed.length === 0)
  );
}

/** Compares what `a` and `b` name: see the module comment. */
export async function diffReferences(
  ctx: ClientContext,
  aInput: ReferenceInput,
  bInput: ReferenceInput,
  options: DiffOptions = {},
): Promise<Diff> {
  const signal = options.signal ? { signal: options.signal } : {};
  const names = { a: toReference(ctx, aInput).familiar(), b: toReference(ctx, bInput).familiar() };
  const [a, b] = await Promise.all([getManifest(ctx, aInput, signal), getManifest(ctx, bInput, signal)]);
  for (const [side, got] of [
    ["a", a],
    ["b", b],
  ] as const) {
    if (got.kind !== "image" && got.kind !== "index") {
      throw new UnsupportedError(
        `${names[side]} is a ${got.kind} manifest (${got.mediaType}): diff compares images and indexes`,
        { code: "MANIFEST_UNSUPPORTED" },
      );
    }
  }
  if (a.kind === "index" && b.kind === "index" && options.platform === undefined) {
    return diffIndexes(ctx, { a, b }, names, options);
  }
  const notes: string[] = [];
  const platform = options.platform ?? ctx.chosenPlatform ?? ctx.platform;
  const asked = options.platform !== undefined || ctx.chosenPlatform !== undefined;
  // Said only when the platform was a default: one asked for needs no hint of how to ask.
  const reason = asked
    ? "the platform asked for"
    : "the client's platform; --platform or { platform } to choose another";
  const image = async (got: ManifestResult, side: "a" | "b") => {
    if (got.kind !== "index") {
      // Two single images leave the platform asked nothing to choose: one of another platform is refused, as inspect
      // refuses it. Beside an index, the platform chose the index's image and the single image is compared as it is.
      if (asked && a.kind !== "index" && b.kind !== "index")
        await checkAskedPlatforms(ctx, got, [platform], options.signal);
      return got;
    }
    notes.push(
      `${side.toUpperCase()} (${names[side]}) is an index: its ${platform} image is compared (${reason})`,
    );
    return getManifest(ctx, got.reference, { ...signal, platform });
  };
  const [x, y] = [await image(a, "a"), await image(b, "b")];
  return { ...(await diffImageManifests(ctx, { a: x, b: y }, names, options)), notes };
}

/** Two indexes: platform lists, then each common platform's images. */
async function diffIndexes(
  ctx: ClientContext,
  got: { a: ManifestResult; b: ManifestResult },
  names: { a: string; b: string },
  options: DiffOptions,
): Promise<IndexDiff> {
  const entries = (m: ManifestResult) =>
    new Map(
      (m.manifest as Index).manifests
        .filter((d) => d.platform && d.platform.os !== "unknown")
        .map((d) => [formatPlatform(d.platform!), d] as const),
    );
  const ea = entries(got.a);
  const eb = entries(got.b);
  const side = (s: "a" | "b", e: typeof ea): DiffIndexSide => ({
    reference: names[s],
    digest: got[s].digest,
    mediaType: got[s].mediaType,
    platforms: [...e.keys()],
  });
  const common = [...ea.keys()].filter((p) => eb.has(p));
  const signal = options.signal ? { signal: options.signal } : {};
  const images: ImageDiff[] = [];
  for (const platform of common) {
    const [x, y] = await Promise.all([
      getDescribedManifest(ctx, got.a.reference, ea.get(platform)!, signal),
      getDescribedManifest(ctx, got.b.reference, eb.get(platform)!, signal),
    ]);
    const diff = await diffImageManifests(
      ctx,
      { a: { ...x, platform }, b: { ...y, platform } },
      { a: `${names.a} (${platform})`, b: `${names.b} (${platform})` },
      options,
    );
    images.push({ ...diff, a: { ...diff.a, index: got.a.digest }, b: { ...diff.b, index: got.b.digest } });
  }
  return {
    kind: "index",
    a: side("a", ea),
    b: side("b", eb),
    identical: got.a.digest === got.b.digest,
    notes: [],
    platforms: {
      onlyA: [...ea.keys()].filter((p) => !eb.has(p)),
      onlyB: [...eb.keys()].filter((p) => !ea.has(p)),
      common,
    },
    images,
  };
}

/** Two image manifests compared: config, layers, and files when asked. */
async function diffImageManifests(
  ctx: ClientContext,
  got: { a: ManifestResult; b: ManifestResult },
  names: { a: string; b: string },
  options: DiffOptions,
): Promise<ImageDiff> {
  if (got.a.kind !== "image" || got.b.kind !== "image") {
    const which = got.a.kind !== "image" ? "a" : "b";
    throw new UnsupportedError(
      `${names[which]} is a ${got[which].kind} manifest, not an image: diff compares images`,
      { code: "MANIFEST_UNSUPPORTED" },
    );
  }
  const [ca, cb] = await Promise.all([configOf(ctx, got.a, options), configOf(ctx, got.b, options)]);
  const side = (s: "a" | "b", config: ImageConfig | undefined): DiffImageSide => {
    const m = got[s];
    const manifest = m.manifest as ImageManifest;
    const platform = m.platform ?? (config ? configPlatform(config) : undefined);
    return {
      reference: names[s],
      digest: m.digest,
      mediaType: m.mediaType,
      ...(platform ? { platform } : {}),
      ...(m.index ? { index: m.index.digest } : {}),
      ...(config ? { config: manifest.config.digest } : {}),
      size: manifestSum(manifest),
    };
  };
  const a = side("a", ca);
  const b = side("b", cb);
  const config = diffConfigs(ca ?? {}, cb ?? {}, {
    a: ca ? configPlatform(ca) : undefined,
    b: cb ? configPlatform(cb) : undefined,
  });
  const layers = diffLayers(
    layerRefs((got.a.manifest as ImageManifest).layers),
    layerRefs((got.b.manifest as ImageManifest).layers),
  );
  const files = options.files ? await filesOf(ctx, got, options) : undefined;
  return {
    kind: "image",
    a,
    b,
    identical: a.digest === b.digest,
    notes: [],
    ...(a.mediaType !== b.mediaType ? { mediaType: { a: a.mediaType, b: b.mediaType } } : {}),
    config,
    layers,
    ...(files ? { files } : {}),
  };
}

/** The image config of an image manifest; undefined for an artifact, whose config is no image config. */
async function configOf(
  ctx: ClientContext,
  got: ManifestResult,
  options: DiffOptions,
): Promise<ImageConfig | undefined> {
  if (!IMAGE_CONFIG_TYPES.has((got.manifest as ImageManifest).config.mediaType)) return undefined;
  return (await readConfig(ctx, got, options.signal)).config;
}

/** Both filesystems, indexed one after the other (each streams its layers), then compared. */
async function filesOf(
  ctx: ClientContext,
  got: { a: ManifestResult; b: ManifestResult },
  options: DiffOptions,
): Promise<FilesDiff> {
  const signal = options.signal ? { signal: options.signal } : {};
  const index = async (m: ManifestResult) =>
    filesystemIndex((await imageLayers(ctx, m.reference, signal, m)).layers);
  const a = await index(got.a);
  const b = await index(got.b);
  return diffFiles(a, b);
}
