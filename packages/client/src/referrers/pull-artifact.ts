/**
 * `reg.pullArtifact(ref, dir)`: an artifact's files written to a directory by their titles, as `oras pull` does.
 * Each blob is verified (digest and size) before it is renamed into place. A title comes from the registry, so it is
 * never trusted as a path: it must be one plain name (no `/`, `\`, `..`, NUL: layout's confinedPath), and the file is
 * written beside its final name and renamed over it, so a symbolic link already there is replaced, never followed
 * out of the directory. Layers without a title are skipped, as oras skips them, and listed in the result.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/annotations.md (org.opencontainers.image.title)
 */
import { mkdir } from "node:fs/promises";
import { UsageError } from "@regatta/errors";
import { confinedPath } from "@regatta/layout";
import type { Descriptor, ImageManifest } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { BlobHandle } from "../blob-handle.js";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { getManifest } from "../get-manifest.js";
import { TITLE_ANNOTATION } from "./push-artifact.js";

/** One file written. */
export interface PulledFile {
  title: string;
  path: string;
  digest: string;
  size: number;
  mediaType: string;
}

export interface PullArtifactResult {
  reference: Reference;
  digest: string;
  artifactType?: string;
  files: PulledFile[];
  /** Layers without a title: not written. */
  untitled: Descriptor[];
}

/** Writes the titled layers of the artifact `input` names into `dir` (created if missing). */
export async function pullArtifact(
  ctx: ClientContext,
  input: ReferenceInput,
  dir: string,
  options: { signal?: AbortSignal } = {},
): Promise<PullArtifactResult> {
  const ref = toReference(ctx, input);
  const signal = options.signal ? { signal: options.signal } : {};
  const fetched = await getManifest(ctx, ref, signal);
  if (fetched.kind !== "image") {
    throw new UsageError(
      `${ref.familiar()} is ${fetched.kind === "index" ? "an index" : "a schema 1 manifest"}, not an artifact: name one of its manifests`,
    );
  }
  const manifest = fetched.manifest as ImageManifest;
  const titled: { layer: Descriptor; title: string; path: string }[] = [];
  const untitled: Descriptor[] = [];
  const seen = new Set<string>();
  // Every title is checked before anything is written: a bad one fails the pull with the directory untouched.
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[TITLE_ANNOTATION];
    if (title === undefined) {
      untitled.push(layer);
      continue;
    }
    const path = confinedPath(dir, title);
    if (seen.has(title))
      throw new UsageError(`${ref.familiar()} has two files titled ${JSON.stringify(title)}`);
    seen.add(title);
    titled.push({ layer, title, path });
  }
  await mkdir(dir, { recursive: true });
  const repo = fetched.reference.repositoryOnly();
  const files: PulledFile[] = [];
  for (const { layer, title, path } of titled) {
    const saved = await new BlobHandle(ctx, repo, layer.digest, layer.size).toFile(path, signal);
    files.push({ title, path, digest: layer.digest, size: saved.size, mediaType: layer.mediaType });
  }
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  return { reference: fetched.reference, digest: fetched.digest, artifactType, files, untitled };
}
