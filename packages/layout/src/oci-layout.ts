/**
 * OCI image layouts (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), written and read.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md
 *
 * Writing adds to a layout that may already exist: blobs already there are kept (a blob under its final name was
 * verified before it was renamed), each tag is an index.json entry with `org.opencontainers.image.ref.name` (a tag
 * pulled again replaces its entry, as skopeo does), blobs shared between tags are stored once, and with
 * `platforms: "all"` the index is stored whole with every child. Partial downloads wait in `.regatta-partial/` for
 * the next pull to resume them; index.json is replaced atomically, last, once everything it names is in place.
 */
import { rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InvalidManifestError, NotFoundError, quotePath, UsageError } from "@regatta/errors";
import { type Descriptor, MAX_MANIFEST_BYTES } from "@regatta/manifest";
import { destinationEntries, hasFile, hasRegularFile, replaceFileAtomic } from "./atomic-file.js";
import { fileTarget } from "./file-target.js";
import {
  type ContentReader,
  countImages,
  type ImageSource,
  loadImage,
  pickNamed,
  type SourceBlob,
} from "./image-source.js";
import type { LayoutWriter, WriterOptions } from "./layout-writer.js";
import {
  IMAGE_NAME,
  indexEntry,
  jsonBytes,
  type LayoutIndex,
  mergeIndex,
  OCI_LAYOUT_BYTES,
  parseLayoutIndex,
  REF_NAME,
} from "./oci-index.js";
import type { PullPlan, StoredManifest } from "./pull-plan.js";
import {
  confinedPath,
  digestParts,
  directoryInside,
  ociBlobPath,
  openInside,
  readInside,
  streamInside,
} from "./safe-path.js";

/** The most an index.json or oci-layout file is read into memory: generous for thousands of tags. */
export const MAX_LAYOUT_JSON_BYTES = 64 * 1024 * 1024;

/** Where partial downloads wait, inside the destination so that the final rename stays on one file system. */
export const PARTIAL_DIR = ".regatta-partial";

/** The partial file of a blob in `root`'s {@link PARTIAL_DIR}. */
export function partialPath(root: string, digest: string): string {
  const [algorithm, hex] = digestParts(digest);
  return confinedPath(root, PARTIAL_DIR, `${algorithm}-${hex}.partial`);
}

/** Removes `root`'s partial directory once nothing waits in it. */
export async function removePartialDir(root: string): Promise<void> {
  await rmdir(join(root, PARTIAL_DIR)).catch(() => {});
}

async function readIndexIfAny(root: string): Promise<LayoutIndex | undefined> {
  const path = join(root, "index.json");
  if (!(await hasFile(path))) return undefined;
  return parseLayoutIndex(await readInside(root, path, MAX_LAYOUT_JSON_BYTES), quotePath(root));
}

/** Checks `root`'s `oci-layout` file: read inside the layout, and a version 1 marker. */
async function checkLayoutMarker(root: string): Promise<void> {
  const text = (await readInside(root, join(root, "oci-layout"), MAX_LAYOUT_JSON_BYTES))
    .toString("utf8")
    .trim();
  let version: unknown;
  try {
    version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (typeof version !== "string" || !version.startsWith("1.")) {
    throw new InvalidManifestError(
      `${quotePath(join(root, "oci-layout"))} is not an OCI image layout version 1 marker`,
    );
  }
}

/** Checks that `root` is an OCI layout, or a directory that can become one (missing or empty). */
async function checkLayoutRoot(root: string): Promise<void> {
  const names = await destinationEntries(root);
  if (!names) return;
  if (names.includes("oci-layout")) {
    await checkLayoutMarker(root);
    return;
  }
  if (names.length > 0) {
    throw new UsageError(
      `${quotePath(root)} is not empty and not an OCI layout (no oci-layout file); pick another directory`,
    );
  }
}

/**
 * A ref.name already taken by another image is not silently taken over: pulling `b/app:v1` into a layout that
 * holds `a/app:v1` fails. The same image name pulled again (a moved tag) replaces its entry, and so does an entry
 * without an image name (skopeo writes none), as skopeo would.
 */
function checkTakenNames(root: string, plan: PullPlan, existing: LayoutIndex | undefined): void {
  for (const entry of plan.references.map(indexEntry)) {
    const name = entry.annotations?.[REF_NAME];
    if (name === undefined) continue;
    const taken = existing?.manifests.find((m) => m.annotations?.[REF_NAME] === name);
    const owner = taken?.annotations?.[IMAGE_NAME];
    if (owner !== undefined && owner !== entry.annotations?.[IMAGE_NAME]) {
      throw new UsageError(
        `${quotePath(root)} already has "${name}" for ${owner}; pull ${entry.annotations?.[IMAGE_NAME]} into another layout`,
      );
    }
  }
}

/** Two references of one pull may not claim the same ref.name: the second would silently replace the first. */
function checkDistinctNames(plan: PullPlan): void {
  const seen = new Map<string, string>();
  for (const p of plan.references) {
    const tag = p.reference.tag;
    if (tag === undefined) continue;
    const other = seen.get(tag);
    if (other !== undefined && other !== p.reference.toString()) {
      throw new UsageError(
        `${other} and ${p.reference} would both be named "${tag}" in the layout; pull them into separate layouts`,
      );
    }
    seen.set(tag, p.reference.toString());
  }
}

/** Writes a pull into the OCI layout at `root` (created if needed). */
export async function openOciLayoutWriter(
  root: string,
  plan: PullPlan,
  options: WriterOptions = {},
): Promise<LayoutWriter> {
  await checkLayoutRoot(root);
  checkDistinctNames(plan);
  checkTakenNames(root, plan, await readIndexIfAny(root));
  const layoutFile = join(root, "oci-layout");
  // Written over whatever name is there, never through a link (a planted `index.json` link must not lead the write
  // out of the layout; reading one already refuses it).
  if (!(await hasFile(layoutFile))) await replaceFileAtomic(layoutFile, OCI_LAYOUT_BYTES);
  await checkBlobDirectories(root, plan, (digest) => ociBlobPath(root, digest));
  const sync = options.sync ?? false;
  return {
    target(blob) {
      return fileTarget(ociBlobPath(root, blob.digest), partialPath(root, blob.digest), blob.size, {
        sync,
        root,
      });
    },
    async finish() {
      await writeManifests(root, plan, (m) => ociBlobPath(root, m.digest), sync);
      const merged = mergeIndex(await readIndexIfAny(root), plan.references.map(indexEntry));
      await replaceFileAtomic(join(root, "index.json"), jsonBytes(merged), { sync });
      await removePartialDir(root);
    },
    async abort() {
      // Complete blobs stay under their names and partial ones in .regatta-partial: the next pull resumes. An empty
      // .regatta-partial (every partial blob failed its digest and went) goes, under the lock still: nothing to
      // resume is left behind, and the failure need not name it.
      await removePartialDir(root);
    },
  };
}

/**
 * Makes the directories the plan's blobs and manifests go to (`pathOf` a digest) and checks each is inside the
 * layout at `root`, before anything is written: a blob found "complete" through a `blobs/sha256` linked elsewhere
 * would be taken for the layout's own.
 */
export async function checkBlobDirectories(
  root: string,
  plan: PullPlan,
  pathOf: (digest: string) => string,
): Promise<void> {
  const digests = [...plan.blobs, ...plan.references.flatMap((p) => p.manifests)].map((d) => d.digest);
  for (const dir of new Set(digests.map((d) => dirname(pathOf(d))))) await directoryInside(root, dir);
}

/**
 * Writes every manifest of the plan (children before the index that names them) to `pathOf(manifest)` in the layout
 * at `root`, skipping those already there and the digest `except`; never through a link out of the layout.
 */
export async function writeManifests(
  root: string,
  plan: PullPlan,
  pathOf: (m: StoredManifest) => string,
  sync: boolean,
  except?: string,
): Promise<void> {
  const done = new Set<string>(except ? [except] : []);
  for (const p of plan.references) {
    for (const m of [...p.manifests].reverse()) {
      if (done.has(m.digest)) continue;
      done.add(m.digest);
      const path = pathOf(m);
      if (await hasRegularFile(path, m.size)) continue;
      await directoryInside(root, dirname(path));
      await replaceFileAtomic(path, m.bytes, { sync });
    }
  }
}

/**
 * A blob file of a layout at `root`, checked now (inside the layout, a regular file, of the size the descriptor
 * says) and opened, through the same checks, each time its stream is asked for.
 */
export async function blobFile(
  root: string,
  path: string,
  descriptor: Descriptor,
  where: string,
): Promise<SourceBlob> {
  const handle = await openInside(root, path).catch((error: unknown) => {
    if (error instanceof NotFoundError) {
      throw new NotFoundError(`${where} does not hold blob ${descriptor.digest}`, { code: "BLOB_UNKNOWN" });
    }
    throw error;
  });
  const size = await handle
    .stat()
    .then((s) => s.size)
    .finally(() => handle.close());
  if (size !== descriptor.size) {
    throw new InvalidManifestError(
      `${where}: blob ${descriptor.digest} is ${size} bytes on disk, the manifest says ${descriptor.size}`,
    );
  }
  return {
    digest: descriptor.digest,
    size,
    mediaType: descriptor.mediaType,
    open: () => streamInside(root, path),
  };
}

/** A content reader over an OCI layout's blobs directory. */
export function ociContentReader(root: string): ContentReader {
  return {
    async readManifest(digest) {
      return readInside(root, ociBlobPath(root, digest), MAX_MANIFEST_BYTES).catch((error: unknown) => {
        if (error instanceof NotFoundError) {
          throw new NotFoundError(`${quotePath(root)} does not hold manifest ${digest}`, {
            code: "MANIFEST_UNKNOWN",
          });
        }
        throw error;
      });
    },
    blob: (d) => blobFile(root, ociBlobPath(root, d.digest), d, quotePath(root)),
  };
}

/** Opens the OCI layout at `root` for pushing. Images are picked by their ref.name. */
export async function openOciLayoutSource(root: string): Promise<ImageSource> {
  if (!(await hasFile(join(root, "oci-layout")))) {
    throw new UsageError(`${quotePath(root)} is not an OCI layout (no oci-layout file)`);
  }
  await checkLayoutMarker(root);
  const index = await readIndexIfAny(root);
  if (!index) throw new InvalidManifestError(`${quotePath(root)} is an OCI layout without index.json`);
  const entries = index.manifests.map((m) => ({
    names: m.annotations?.[REF_NAME] !== undefined ? [m.annotations[REF_NAME]] : [],
    key: m.digest,
    value: m,
  }));
  const reader = ociContentReader(root);
  return {
    format: "oci",
    names: entries.flatMap((e) => e.names),
    unnamed: entries.filter((e) => e.names.length === 0).length,
    images: countImages(entries),
    async image(name) {
      const descriptor = pickNamed(entries, name, quotePath(root));
      return loadImage(reader, descriptor, root, descriptor.annotations?.[REF_NAME]);
    },
    async close() {},
  };
}
