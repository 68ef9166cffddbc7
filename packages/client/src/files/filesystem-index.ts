/**
 * Every path of an image's merged filesystem with its metadata and a content identity: what `regatta diff --files`
 * compares (issue 14, "image diff"). Built on the readers of this directory (layer-entries.ts streams each layer,
 * filesystem-merge.ts applies the changeset rules top-down, list-files.ts shapes the metadata), so whiteouts and
 * opaque directories are honoured exactly as `ls` and `export` honour them. A regular file's contents are hashed
 * (sha256) as they stream by; only the kept entries are hashed, and no contents are held, so memory grows with the
 * number of paths, not with the layers.
 */
import { createHash } from "node:crypto";
import { FilesystemMerge } from "./filesystem-merge.js";
import { ancestorsOf, ROOT } from "./image-path.js";
import { type LayerSource, layerEntries } from "./layer-entries.js";
import { type FileEntry, fileEntry } from "./list-files.js";

/** One path of the filesystem, with its content identity. */
export interface IndexedFile extends FileEntry {
  /** `sha256:…` of a regular file's contents; absent for everything else. */
  digest?: string;
}

/**
 * The merged filesystem of `layers` (bottom first) as path → entry, the root left out. Directories that no layer
 * names but that hold kept entries are implied (0755, root's), as `ls` implies them.
 */
export async function filesystemIndex(layers: readonly LayerSource[]): Promise<Map<string, IndexedFile>> {
  const merge = new FilesystemMerge();
  const found = new Map<string, IndexedFile>();
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index] as LayerSource;
    for await (const entry of layerEntries(layer)) {
      if (merge.visit(entry.path, entry.header.type === "directory") !== "keep") continue;
      if (entry.path === ROOT) continue;
      const file: IndexedFile = fileEntry(entry.path, entry.header, layer.digest);
      if (file.type === "file") {
        const hash = createHash("sha256");
        for await (const chunk of entry.body) hash.update(chunk);
        file.digest = `sha256:${hash.digest("hex")}`;
      }
      found.set(entry.path, file);
    }
    merge.endLayer();
  }
  for (const path of [...found.keys()]) {
    for (const dir of ancestorsOf(path)) {
      if (dir !== ROOT && !found.has(dir))
        found.set(dir, { path: dir, type: "directory", size: 0, mode: 0o755, uid: 0, gid: 0 });
    }
  }
  return found;
}
