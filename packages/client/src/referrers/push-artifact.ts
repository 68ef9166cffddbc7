/**
 * `reg.pushArtifact(ref, …)`: files pushed as an OCI 1.1 artifact, as `oras push` does. Each file is a layer with its
 * media type and its name in `org.opencontainers.image.title`; the config is the empty descriptor (`{}`,
 * `application/vnd.oci.empty.v1+json`), so `artifactType` is required; an optional `subject` makes the artifact a
 * referrer of another manifest of the same repository. A registry that does not answer `OCI-Subject` has no referrers
 * API, and the referrer is then added to the subject's fallback tag index (fallback-tag.ts).
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#guidelines-for-artifact-usage
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject
 */
import { basename } from "node:path";
import { UsageError } from "@regatta/errors";
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
import { addToFallbackIndex, referrerDescriptor } from "./fallback-tag.js";
import { hasReferrersApi } from "./referrers-api.js";

/** The annotation that names a layer's file (https://github.com/opencontainers/image-spec/blob/v1.1.0/annotations.md). */
export const TITLE_ANNOTATION = "org.opencontainers.image.title";

/** A media type for files given none, as regctl's `artifact put` uses. */
export const DEFAULT_FILE_MEDIA_TYPE = "application/octet-stream";

/** One file of an artifact: from disk (`path`) or memory (`bytes`). */
export type ArtifactFile = (
  | { path: string; bytes?: undefined }
  | { bytes: Uint8Array | string; path?: undefined }
) & {
  /** The layer's media type. Default {@link DEFAULT_FILE_MEDIA_TYPE}. */
  mediaType?: string;
  /** The file's name in the artifact (the title annotation). Default: the path's base name; required for bytes. */
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

/** A title safe to write as a file name later: one plain name (pull-artifact.ts refuses anything else too). */
function checkedTitle(title: string): string {
  if (!title || title === "." || title === ".." || /[/\\\0]/.test(title))
    throw new UsageError(`artifact file title ${JSON.stringify(title)} must be a plain file name`);
  return title;
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
  const titles = new Set<string>();
  for (const file of options.files) {
    const title = checkedTitle(file.title ?? (file.path !== undefined ? basename(file.path) : ""));
    if (titles.has(title)) throw new UsageError(`two artifact files are titled ${JSON.stringify(title)}`);
    titles.add(title);
  }
  const subject =
    options.subject === undefined ? undefined : await subjectOf(ctx, ref, options.subject, signal);

  await pushBlob(ctx, repo, new TextEncoder().encode(EMPTY_JSON), signal);
  const layers: Descriptor[] = [];
  for (const file of options.files) {
    const title = file.title ?? basename(file.path ?? "");
    const source =
      file.path !== undefined
        ? { path: file.path }
        : typeof file.bytes === "string"
          ? new TextEncoder().encode(file.bytes)
          : file.bytes;
    const pushed = await pushBlob(ctx, repo, source, signal);
    if (pushed.size === undefined) throw new Error(`pushBlob reported no size for ${title}`);
    layers.push({
      mediaType: file.mediaType ?? DEFAULT_FILE_MEDIA_TYPE,
      digest: pushed.digest,
      size: pushed.size,
      annotations: { ...file.annotations, [TITLE_ANNOTATION]: title },
    });
  }
  const built = buildImageManifest({
    artifactType: options.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers,
    ...(subject ? { subject } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
  const put = await putManifest(ctx, ref, built, signal);
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
  // OCI-Subject says the registry indexed the subject, but ECR said so without serving the API (a 404): one GET
  // (remembered per repository, referrers-api.ts) checks the claim before the fallback index is left alone.
  if (put.subject === subject.digest && (await hasReferrersApi(ctx, repo, subject.digest, signal)))
    return { ...result, referrers: "api" };
  if (options.fallback === false) return result;
  const descriptor = referrerDescriptor({
    mediaType: put.mediaType,
    digest: put.digest,
    size: put.size,
    artifactType: options.artifactType,
    annotations: options.annotations,
  });
  const updated = await addToFallbackIndex(ctx, repo, subject.digest, descriptor, signal);
  return { ...result, referrers: "fallback-tag", fallbackTag: updated.tag };
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
