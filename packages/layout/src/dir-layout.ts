/**
 * The plain directory of boater's README and the Ruby gem: the manifest's exact bytes in `manifest`, and every blob
 * in `blobs/<digest>` (`blobs/sha256:…`). With `platforms: "all"`, `manifest` is the index and the child manifests
 * are blobs too, so `regatta push DIR REF` finds them. One image per directory; `manifest` is written last, so a
 * directory with a `manifest` is complete, and a pull over another image's directory then removes that image's blobs.
 * https://github.com/dmage/boater#copy-a-schema-2-image-from-one-repository-to-another
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";
import { computeDigest, MAX_MANIFEST_BYTES, parseManifest } from "@regatta/manifest";
import { destinationEntries, hasFile, replaceFileAtomic } from "./atomic-file.js";
import { fileTarget } from "./file-target.js";
import { type ContentReader, type ImageSource, loadImage } from "./image-source.js";
import type { LayoutWriter, WriterOptions } from "./layout-writer.js";
import {
  blobFile,
  checkBlobDirectories,
  PARTIAL_DIR,
  partialPath,
  removePartialDir,
  writeManifests,
} from "./oci-layout.js";
import type { PullPlan } from "./pull-plan.js";
import { dirBlobPath, directoryInside, readInside } from "./safe-path.js";

async function checkDirRoot(root: string): Promise<void> {
  const names = (await destinationEntries(root)) ?? [];
  const foreign = names.filter((n) => n !== "manifest" && n !== "blobs" && n !== PARTIAL_DIR);
  if (foreign.length > 0) {
    throw new UsageError(
      `${quotePath(root)} holds other files (${foreign.slice(0, 3).map(quotePath).join(", ")}); a dir layout needs an empty or dir-layout directory`,
    );
  }
}

/** Names of `blobs/` entries this writer made: `<algorithm>:<hex>`, as dirBlobPath names them. */
const BLOB_NAME = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,}$/;

/**
 * Removes the blobs a previous pull into `root` left that the image now in `manifest` does not use, so the directory
 * holds one image, as its format says (skopeo's dir: transport empties a directory it wrote before, likewise). Only
 * names of the blob form are touched; anything else under blobs/ is left alone.
 */
async function removeStaleBlobs(root: string, plan: PullPlan): Promise<void> {
  const kept = new Set([
    ...plan.blobs.map((b) => b.digest),
    ...plan.references[0]!.manifests.map((m) => m.digest),
  ]);
  await directoryInside(root, join(root, "blobs"));
  const names = await readdir(join(root, "blobs")).catch(() => [] as string[]);
  for (const name of names) {
    if (BLOB_NAME.test(name) && !kept.has(name)) await rm(join(root, "blobs", name), { force: true });
  }
}

/** Writes a pull of one reference into the directory `root`. */
export async function openDirWriter(
  root: string,
  plan: PullPlan,
  options: WriterOptions = {},
): Promise<LayoutWriter> {
  if (plan.references.length !== 1) {
    throw new UsageError("a dir layout holds one image: pull each reference into its own directory");
  }
  await checkDirRoot(root);
  await checkBlobDirectories(root, plan, (digest) => dirBlobPath(root, digest));
  const sync = options.sync ?? false;
  const top = plan.references[0]!.top;
  return {
    target(blob) {
      return fileTarget(dirBlobPath(root, blob.digest), partialPath(root, blob.digest), blob.size, {
        sync,
        root,
      });
    },
    async finish() {
      // Children of an index are blobs here; the top manifest goes to `manifest`, last.
      await writeManifests(root, plan, (m) => dirBlobPath(root, m.digest), sync, top.digest);
      await makeDirectories(root);
      await replaceFileAtomic(join(root, "manifest"), top.bytes, { sync });
      await removeStaleBlobs(root, plan);
      await removePartialDir(root);
    },
    async abort() {
      // As the OCI layout's: partial blobs stay for the next pull, an empty .regatta-partial goes.
      await removePartialDir(root);
    },
  };
}

/** Opens a boater-style directory for pushing. */
export async function openDirSource(root: string): Promise<ImageSource> {
  const manifestPath = join(root, "manifest");
  if (!(await hasFile(manifestPath))) throw new UsageError(`${quotePath(root)} has no manifest file`);
  const bytes = await readInside(root, manifestPath, MAX_MANIFEST_BYTES);
  const parsed = parseManifest(bytes);
  const digest = computeDigest(bytes);
  const reader: ContentReader = {
    async readManifest(d) {
      return d === digest ? bytes : readInside(root, dirBlobPath(root, d), MAX_MANIFEST_BYTES);
    },
    blob: (d) => blobFile(root, dirBlobPath(root, d.digest), d, quotePath(root)),
  };
  return {
    format: "dir",
    names: [],
    images: 1,
    async image(name) {
      if (name !== undefined)
        throw new UsageError(`a dir layout holds one unnamed image; drop the name "${name}"`);
      return loadImage(
        reader,
        { mediaType: parsed.mediaType, digest, size: bytes.byteLength },
        quotePath(root),
      );
    },
    async close() {},
  };
}
