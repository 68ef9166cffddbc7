/**
 * The OCI layer changeset rules, applied top-down: which entries of which layers make up an image's filesystem.
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets
 *
 * Layers are read from the top (the last in the manifest) down, as crane's `mutate.Extract` does, so that the merge
 * needs no file contents in memory, only the set of paths already decided: an entry is part of the filesystem when
 * no layer above decided its path (later layers win) and no layer above hid it:
 * - a whiteout `.wh.NAME` deletes NAME, and everything under it, of the layers below;
 * - an opaque marker `DIR/.wh..wh..opq` hides everything under DIR of the layers below (DIR itself stays);
 * - a non-directory (file, symlink, …) hides everything under its path below: a file replacing a directory;
 * - a directory does not hide: directories merge.
 * Whiteouts and opaque markers apply to the layers below only, never to their own layer (the spec: "files that are
 * present in the same layer as a whiteout file can only be hidden by whiteout files in subsequent layers"), so they
 * take effect when their layer ends. A non-directory hides at once, its own layer included, so that no entry is ever
 * kept beneath a symlink (`x -> /etc` then `x/passwd`): such an entry would be written through the link by whoever
 * extracts the result. For the same reason a path that has an entry under it is a directory: a non-directory of a
 * lower layer (or later in the same one) at that path is dropped.
 *
 * Within one layer, the first of two entries for one path wins: a stream cannot take back an entry it has written
 * (crane keeps the first too; a sequential extraction would keep the last; real layers do not repeat paths).
 */
import { ancestorsOf, type Marker, markerOf, ROOT } from "./image-path.js";

/** What the merge decided about one entry of a layer. */
export type MergeVerdict =
  /** Part of the filesystem. */
  | "keep"
  /** Overridden or hidden by a layer above (or earlier in this one). */
  | "hidden"
  /** A whiteout or an opaque marker: not a file, recorded for the layers below. */
  | "marker";

export class FilesystemMerge {
  /** Paths decided by an upper layer, or earlier in this one. */
  readonly #decided = new Set<string>();
  /** Paths whose descendants in lower layers are hidden (whiteouts, opaque directories, non-directories). */
  readonly #hiding = new Set<string>();
  /** Paths that have a kept entry under them: directories, whatever a lower layer says. */
  readonly #directories = new Set<string>([ROOT]);
  /** This layer's whiteouts and opaque markers, applied when it ends. */
  #pending: Marker[] = [];

  /** Judges the next entry of the current layer; `directory` is its type. Call {@link endLayer} after each layer. */
  visit(path: string, directory: boolean): MergeVerdict {
    const marker = markerOf(path);
    if (marker) {
      this.#pending.push(marker);
      return "marker";
    }
    if (this.#isHidden(path) || this.#decided.has(path) || (!directory && this.#directories.has(path))) {
      // A non-directory hides below even when an upper directory overrides it: the upper directory cannot merge
      // with a lower file, so the contents of an even lower directory at that path are gone.
      if (!directory) this.#hiding.add(path);
      return "hidden";
    }
    this.#decided.add(path);
    for (const dir of ancestorsOf(path)) this.#directories.add(dir);
    if (directory) this.#directories.add(path);
    else this.#hiding.add(path);
    return "keep";
  }

  /** The current layer ended: its whiteouts and opaque markers now hide the layers below. */
  endLayer(): void {
    for (const marker of this.#pending) {
      if (marker.kind === "whiteout") {
        this.#decided.add(marker.path);
        this.#hiding.add(marker.path);
      } else if (marker.kind === "opaque") {
        this.#hiding.add(marker.dir);
      }
    }
    this.#pending = [];
  }

  /**
   * Whether the layers read so far settle `path` for every layer below: it was deleted (a whiteout of it or of an
   * ancestor, an opaque ancestor), replaced (a kept entry), or something above is not a directory.
   */
  settles(path: string): boolean {
    return this.#decided.has(path) || this.#isHidden(path);
  }

  /** Whether `path` is a kept directory, or has a kept entry under it: a directory whatever a lower layer says. */
  isDirectory(path: string): boolean {
    return this.#directories.has(path);
  }

  /** Whether a layer above (or a non-directory earlier in this one) hid `path` by hiding an ancestor. */
  #isHidden(path: string): boolean {
    for (const dir of ancestorsOf(path)) if (this.#hiding.has(dir)) return true;
    return false;
  }
}
