/**
 * Hard links across the merge. A hard link is one more name of the file its layer stored at the link's target (tar
 * writes the bytes once, at the first name). When that name does not carry the file into the merged view — a layer
 * above replaced or deleted it — the link keeps its own file, as overlayfs and `docker export` of a container have
 * it and as `cat` reads it: the group's first surviving name becomes the file (the target's entry of that layer:
 * bytes, mode, owner), its other surviving names links to it. `export` (export-filesystem.ts) and `ls`
 * (list-files.ts) both judge links here, one layer at a time: the layer's links are noted as they stream by, those
 * whose file the layer did not keep are held by name until it ends, and then its entry is read again, once, from the
 * layer, so no file is held in memory.
 */
import { NotFoundError, UsageError } from "@regatta/errors";
import { findFile } from "./find-file.js";
import { imagePath } from "./image-path.js";
import { type LayerSource, layerEntries, type TarHeader } from "./layer-entries.js";

/** A kept hard link whose file its layer did not keep (yet). */
export interface PendingLink {
  path: string;
  header: TarHeader;
}

/** A group of links that is its own file, with the file's entry and bytes. */
export type OrphanHandler = (
  group: readonly PendingLink[],
  file: TarHeader,
  body: AsyncIterable<Buffer>,
) => Promise<void>;

/** The hard links of the layer being read, and the non-directories it kept. */
export class LayerLinks {
  /** Link → the name its file was first stored at in this layer (a link to a link resolved). */
  readonly #files = new Map<string, string>();
  /** Non-directories this layer kept, links aside. */
  readonly #kept = new Set<string>();
  /** File → its kept links held until the layer ends, in the layer's order. */
  readonly pending = new Map<string, PendingLink[]>();

  /** Notes a hard link of the layer, kept or not; returns the name of its file. */
  link(path: string, linkname: string): string {
    const target = imagePath(linkname);
    const file = this.#files.get(target) ?? target;
    this.#files.set(path, file);
    return file;
  }

  /** Notes a non-directory, not a link, that the merge kept from this layer. */
  kept(path: string): void {
    this.#kept.add(path);
  }

  /** Whether this layer kept `file`: a link to it is then a link. */
  has(file: string): boolean {
    return this.#kept.has(file);
  }

  /** Holds a kept link to `file` until the layer ends. */
  defer(file: string, link: PendingLink): void {
    const group = this.pending.get(file);
    if (group) group.push(link);
    else this.pending.set(file, [link]);
  }

  /** The held groups whose file came after them in the layer (kept after all): taken out of {@link pending}. */
  takeLinked(): [string, PendingLink[]][] {
    const linked = [...this.pending].filter(([file]) => this.#kept.has(file));
    for (const [file] of linked) this.pending.delete(file);
    return linked;
  }
}

/**
 * The layer `index` of `layers` ended: hands each group still {@link LayerLinks.pending} (after
 * {@link LayerLinks.takeLinked}) to `orphan` with its file, read again from that layer; a link to a name its layer
 * does not have (to a lower layer's file: no real layer does that) gets what `cat` reads at that name from that layer
 * down. Returns the groups whose file is nowhere, to drop: `tar x` could not make them, `cat` does not find them.
 */
export async function readOrphans(
  layers: readonly LayerSource[],
  index: number,
  pending: Map<string, PendingLink[]>,
  orphan: OrphanHandler,
): Promise<PendingLink[][]> {
  if (pending.size === 0) return [];
  // Read to its end, so that its digest is checked again: the bytes come from this second download.
  for await (const entry of layerEntries(layers[index] as LayerSource)) {
    const group = pending.get(entry.path);
    if (!group || entry.header.type === "link" || entry.header.type === "directory") continue;
    pending.delete(entry.path);
    await orphan(group, entry.header, entry.body);
  }
  const nowhere: PendingLink[][] = [];
  for (const [file, group] of pending) {
    const found = await findFile(layers.slice(0, index + 1), file, { image: "the image" }).catch(
      (error: unknown) => {
        if (error instanceof NotFoundError || error instanceof UsageError) return undefined;
        throw error;
      },
    );
    if (!found) {
      nowhere.push(group);
      continue;
    }
    try {
      await orphan(group, found.header, found.stream);
      for await (const _ of found.stream) {
        // the rest, unread by a reader that wanted the entry only: the layer is verified at its end
      }
    } finally {
      found.stream.destroy();
    }
  }
  pending.clear();
  return nowhere;
}
