/**
 * `reg.pushArtifact(ref, …)`: files pushed as an OCI 1.1 artifact, as `oras push` does. Each file is a layer with its
 * media type and its name in `org.opencontainers.image.title` (a safe relative path: artifact-title.ts); a directory
 * is one layer as oras makes it, a gzipped tar with oras's unpack annotations (artifact-dir.ts); the config is the empty descriptor (`{}`,
 * `application/vnd.oci.empty.v1+json`), so `artifactType` is required; an optional `subject` makes the artifact a
 * referrer of another manifest of the same repository. A registry that does not answer `OCI-Subject` has no referrers
 * API, and the referrer is then added to the subject's fallback tag index (fallback-tag.ts).
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#guidelines-for-artifact-usage
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import { whyUnreadable } from "@regatta/errors/user-file";
import {
  buildImageManifest,
  type Descriptor,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  type ImageManifest,
} from "@regatta/manifest";
import { parseReference, type Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { getManifest } from "../get-manifest.js";
import { pushBlob } from "../push-blob.js";
import { putManifest } from "../put-manifest.js";
import {
  DIRECTORY_MEDIA_TYPE,
  ORAS_DIGEST_ANNOTATION,
  ORAS_UNPACK_ANNOTATION,
  type PackedDirectory,
  packDirectory,
} from "./artifact-dir.js";
import { checkTitlesDisjoint, TITLE_ANNOTATION, titleParts } from "./artifact-title.js";

export { TITLE_ANNOTATION };

/** A media type for files given none, as regctl's `artifact put` uses. */
export const DEFAULT_FILE_MEDIA_TYPE = "application/octet-stream";

/**
 * One file of an artifact: from disk (`path`) or memory (`bytes`). A `path` that is a directory is pushed as oras
 * pushes one: a gzipped tar of it (media type {@link DIRECTORY_MEDIA_TYPE} unless given), its entries under the
 * title, annotated `io.deis.oras.content.digest` and `io.deis.oras.content.unpack: "true"`, which `pullArtifact` and
 * `oras pull` unpack.
 */
export type ArtifactFile = (
  | { path: string; bytes?: undefined }
  | { bytes: Uint8Array | string; path?: undefined }
) & {
  /** The layer's media type. Default {@link DEFAULT_FILE_MEDIA_TYPE}. */
  mediaType?: string;
  /**
   * The file's name in the artifact (the title annotation): a file name, or a safe relative path (`conf/app.yaml`)
   * that a pull writes under its directory. Default: the path's base name; required for bytes.
   */
  title?: string;
  /** More annotations of the layer. */
  annotations?: Record<string, string>;
};

export interface PushArtifactOptions {
  /** The artifact's type, e.g. `application/spdx+json` or `application/vnd.dev.cosign.simplesigning.v1+json`. */
  artifactType: string;
  files: readonly ArtifactFile[];
  /** Annotations of the manifest. */
  annotations?: Record<string, string>;
  /** A manifest of the same repository this artifact refers to (a tag is resolved to its digest). */
  subject?: ReferenceInput;
  /**
   * Keep the subject's fallback tag index up to date when the registry has no referrers API (it answers no
   * `OCI-Subject`). Default true; false leaves such a referrer findable only by the API.
   */
  fallback?: boolean;
  signal?: AbortSignal;
}

export interface PushArtifactResult {
  /** Where it was pushed, pinned to the digest. */
  reference: Reference;
  digest: string;
  mediaType: string;
  size: number;
  /** The manifest pushed. */
  manifest: ImageManifest;
  /** The subject's descriptor, when there is one. */
  subject?: Descriptor;
  /**
   * How the referrer can be found: `api` (the registry answered `OCI-Subject`), `fallback-tag` (added to the index
   * at `fallbackTag`), or `none` (no subject, or `fallback: false` on a registry without the API).
   */
  referrers: "api" | "fallback-tag" | "none";
  fallbackTag?: string;
}

/** The title of `file`: given, or its path's base name (`dir/` is `dir`). */
function titleOf(file: ArtifactFile): string {
  return file.title ?? (file.path !== undefined ? basename(file.path) : "");
}

/** What a file's layer is pushed from: its bytes, the file, or its directory packed into a temporary tar.gz. */
async function layerSource(
  file: ArtifactFile,
  title: string,
  packed: PackedDirectory[],
): Promise<{
  source: Uint8Array | { path: string };
  mediaType: string;
  annotations: Record<string, string>;
}> {
  const annotations = { ...file.annotations, [TITLE_ANNOTATION]: title };
  if (file.path === undefined) {
    const bytes = typeof file.bytes === "string" ? new TextEncoder().encode(file.bytes) : file.bytes;
    return { source: bytes, mediaType: file.mediaType ?? DEFAULT_FILE_MEDIA_TYPE, annotations };
  }
  // A file that is not there is one clear line naming it, before anything is pushed: bad input (exit 2 in the CLI),
  // as put-blob's and push's missing files are (openRegularFile's wording).
  const path = file.path;
  const found = await stat(path).catch((error: unknown) => {
    throw new UsageError(`cannot read ${quotePath(path)}: ${whyUnreadable(error)}`, { cause: error });
  });
  if (!found.isDirectory()) {
    return { source: { path: file.path }, mediaType: file.mediaType ?? DEFAULT_FILE_MEDIA_TYPE, annotations };
  }
  const dir = await packDirectory(file.path, title);
  packed.push(dir);
  return {
    source: { path: dir.path },
    mediaType: file.mediaType ?? DIRECTORY_MEDIA_TYPE,
    annotations: {
      ...annotations,
      [ORAS_DIGEST_ANNOTATION]: dir.tarDigest,
      [ORAS_UNPACK_ANNOTATION]: "true",
    },
  };
}

/**
 * Pushes files as an artifact to `input`: a tag, or a repository alone (`host/repo`, no `latest` implied), which
 * pushes it by digest, untagged, as a referrer usually is.
 */
export async function pushArtifact(
  ctx: ClientContext,
  input: ReferenceInput,
  options: PushArtifactOptions,
): Promise<PushArtifactResult> {
  const ref =
    typeof input === "string"
      ? parseReference(input, { defaultRegistry: ctx.defaultRegistry, defaultTag: false })
      : input;
  const repo = ref.repositoryOnly();
  const signal = options.signal ? { signal: options.signal } : {};
  if (!options.artifactType)
    throw new UsageError("an artifact needs an artifactType (its config is the empty descriptor)");
  if (options.files.length === 0) throw new UsageError("an artifact needs at least one file");
  const titles = options.files.map(titleOf);
  for (const title of titles) titleParts(title);
  checkTitlesDisjoint(titles, "the artifact");
  const subject =
    options.subject === undefined ? undefined : await subjectOf(ctx, ref, options.subject, signal);

  const layers: Descriptor[] = [];
  const packed: PackedDirectory[] = [];
  try {
    // Directories are packed (and refused: a device, a link out of them) before anything is pushed.
    const sources = [];
    for (const [i, file] of options.files.entries())
      sources.push(await layerSource(file, titles[i] as string, packed));
    await pushBlob(ctx, repo, new TextEncoder().encode(EMPTY_JSON), signal);
    for (const [i, { source, mediaType, annotations }] of sources.entries()) {
      const title = titles[i] as string;
      const pushed = await pushBlob(ctx, repo, source, signal);
      if (pushed.size === undefined) throw new Error(`pushBlob reported no size for ${title}`);
      layers.push({ mediaType, digest: pushed.digest, size: pushed.size, annotations });
    }
  } finally {
    await Promise.all(packed.map((dir) => dir.remove()));
  }
  const built = buildImageManifest({
    artifactType: options.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers,
    ...(subject ? { subject } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
  // putManifest lists a manifest with a subject as its referrer (list-as-referrer.ts), unless `fallback: false`.
  const put = await putManifest(ctx, ref, built, { ...signal, fallback: options.fallback !== false });
  const result: PushArtifactResult = {
    reference: put.reference,
    digest: put.digest,
    mediaType: put.mediaType,
    size: put.size,
    manifest: built.manifest,
    referrers: "none",
  };
  if (!subject) return result;
  result.subject = subject;
  if (put.referrers?.how === "api") return { ...result, referrers: "api" };
  if (put.referrers?.how === "fallback-tag")
    return { ...result, referrers: "fallback-tag", fallbackTag: put.referrers.fallbackTag };
  return result;
}

/** The subject's descriptor, read from the registry; it must be in the artifact's repository. */
async function subjectOf(
  ctx: ClientContext,
  target: Reference,
  input: ReferenceInput,
  signal: { signal?: AbortSignal },
): Promise<Descriptor> {
  const ref = toReference(ctx, input);
  if (ref.name !== target.name) {
    throw new UsageError(
      `the subject ${ref.familiar()} is not in ${target.repositoryOnly().name}: referrers are listed per repository, so an artifact and its subject must share one`,
    );
  }
  const m = await getManifest(ctx, ref, { ...signal, mirrors: false });
  return { mediaType: m.mediaType, digest: m.digest, size: m.size };
}
