/**
 * `reg.pullArtifact(ref, dir)`: an artifact's files written to a directory by their titles, as `oras pull` does.
 * A title comes from the registry, so it is never trusted as a path: it must be a safe relative path
 * (artifact-title.ts: `sbom.json`, or `conf/app.yaml` as oras titles a file pushed by its relative path), no two
 * titles may overlap, and no directory on the way under `dir` may be a symbolic link (oras-go refuses those too,
 * GHSA-8xwf-rjm4-xvhv). A layer oras marks `io.deis.oras.content.unpack: "true"` is a directory packed as a gzipped
 * tar: it is unpacked with path safety (artifact-dir.ts) and its tar checked against `io.deis.oras.content.digest`.
 *
 * Nothing is half-written: every title is checked before anything is written, then every layer is staged beside its
 * final path (a file verified against its digest and size, a directory unpacked and verified), and only once all
 * are staged are they renamed into place. A file or symbolic link already at a path is replaced, never written
 * through; a directory already at a directory's path is replaced whole, and one at a file's path is refused. Layers without a title are skipped, as oras
 * skips them, and listed in the result.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/annotations.md (org.opencontainers.image.title)
 */

import { randomBytes } from "node:crypto";
import { lstat, mkdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";
import { fileSystemError } from "@regatta/layout";
import type { Descriptor, ImageManifest } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { BlobHandle } from "../blob-handle.js";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { getManifest } from "../get-manifest.js";
import { ORAS_DIGEST_ANNOTATION, ORAS_UNPACK_ANNOTATION, unpackDirectory } from "./artifact-dir.js";
import { checkTitlesDisjoint, TITLE_ANNOTATION, titleParts } from "./artifact-title.js";

/** One file, or one directory, written. */
export interface PulledFile {
  title: string;
  path: string;
  /** `directory` for a layer oras marks to unpack (a gzipped tar of a directory). */
  kind: "file" | "directory";
  digest: string;
  size: number;
  mediaType: string;
  /** For a directory: the entries written. */
  entries?: number;
  /** For a directory: entries left out (devices, FIFOs), as oras leaves them out. */
  skipped?: string[];
}

export interface PullArtifactResult {
  reference: Reference;
  digest: string;
  artifactType?: string;
  files: PulledFile[];
  /** Layers without a title: not written. */
  untitled: Descriptor[];
}

interface Planned {
  layer: Descriptor;
  title: string;
  path: string;
  unpack: boolean;
}

/** A hidden name beside `path`, so the rename into place stays on one file system. */
function besidePath(path: string, what: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.${what}`);
}

/**
 * Makes the directories of `path` below `root`, one at a time, refusing a symbolic link or a file on the way.
 * Returns those it made (to remove them if the pull fails).
 */
async function parentsUnder(root: string, parts: string[], made: string[]): Promise<void> {
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    const found = await lstat(at).catch(() => undefined);
    if (!found) {
      await mkdir(at);
      made.push(at);
    } else if (!found.isDirectory()) {
      throw new UsageError(
        `refusing to write ${quotePath(parts.join("/"))}: ${quotePath(at)} is ${found.isSymbolicLink() ? "a symbolic link" : "not a directory"}`,
        { code: "UNSAFE_TITLE" },
      );
    }
  }
}

/**
 * A file layer never replaces a directory, as `oras pull` and `cp` refuse to: the directory is the user's, and its
 * contents would go with it. (A directory layer replaces a directory whole: that one is the artifact's own.)
 */
async function refuseDirectoryAt(path: string, named: string): Promise<void> {
  const there = await lstat(path).catch(() => undefined);
  if (there?.isDirectory()) {
    throw fileSystemError(Object.assign(new Error("is a directory"), { code: "EISDIR" }), named);
  }
}

/**
 * Renames the staged `temp` to `path`, moving aside (then removing) what is there when the layer is a directory;
 * a directory where a file goes is refused (checked before the pull too; again here, as it may have appeared since).
 */
async function putInPlace(temp: string, path: string, isDirectory: boolean, named: string): Promise<void> {
  if (!isDirectory) await refuseDirectoryAt(path, named);
  const there = await lstat(path).catch(() => undefined);
  if (!there || !isDirectory) {
    await rename(temp, path);
    return;
  }
  const aside = besidePath(path, "old");
  await rename(path, aside);
  try {
    await rename(temp, path);
  } catch (error) {
    await rename(aside, path);
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
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
  const root = resolve(dir);
  const planned: Planned[] = [];
  const untitled: Descriptor[] = [];
  // Every title is checked before anything is written: a bad one fails the pull with the directory untouched.
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[TITLE_ANNOTATION];
    if (title === undefined) {
      untitled.push(layer);
      continue;
    }
    const path = join(root, ...titleParts(title));
    planned.push({ layer, title, path, unpack: layer.annotations?.[ORAS_UNPACK_ANNOTATION] === "true" });
  }
  checkTitlesDisjoint(
    planned.map((p) => p.title),
    ref.familiar(),
  );
  for (const plan of planned) if (!plan.unpack) await refuseDirectoryAt(plan.path, join(dir, plan.title));
  const repo = fetched.reference.repositoryOnly();
  const made: string[] = [];
  const staged: { temp: string; plan: Planned; file: PulledFile }[] = [];
  try {
    await makeDirectories(root);
    for (const plan of planned) {
      const { layer, title, path, unpack } = plan;
      await parentsUnder(root, titleParts(title), made);
      const blob = new BlobHandle(ctx, repo, layer.digest, layer.size);
      const temp = besidePath(path, "partial");
      staged.push({
        temp,
        plan,
        file: {
          title,
          path,
          kind: unpack ? "directory" : "file",
          digest: layer.digest,
          size: layer.size,
          mediaType: layer.mediaType,
        },
      });
      const file = staged[staged.length - 1]!.file;
      if (unpack) {
        const unpacked = await unpackDirectory(
          await blob.stream(signal),
          temp,
          title,
          layer.annotations?.[ORAS_DIGEST_ANNOTATION],
        );
        file.entries = unpacked.entries;
        if (unpacked.skipped.length > 0) file.skipped = unpacked.skipped;
      } else {
        file.size = (await blob.toFile(temp, signal)).size;
      }
    }
    for (const { temp, plan } of staged) {
      await putInPlace(temp, plan.path, plan.unpack, join(dir, plan.title));
    }
  } catch (error) {
    await Promise.all(staged.map(({ temp }) => rm(temp, { recursive: true, force: true })));
    for (const at of made.reverse()) await rmdir(at).catch(() => undefined);
    throw fileSystemError(error, dir);
  }
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  return {
    reference: fetched.reference,
    digest: fetched.digest,
    artifactType,
    files: staged.map((s) => s.file),
    untitled,
  };
}
