/**
 * Two merged filesystems compared path by path (`regatta diff --files`): what B adds, what it removes, and what it
 * changes — contents (by sha256), type, mode, owner, or where a link points. Modification times are not compared: a
 * rebuild stamps every file anew, and a diff full of mtimes hides the change that matters (container-diff and
 * `docker diff` leave them out too).
 */
import type { IndexedFile } from "../files/filesystem-index.js";

/** What about a path changed. */
export type FileChangeKind = "type" | "content" | "size" | "mode" | "owner" | "link";

/** A path in both filesystems that differs. */
export interface FileChange {
  path: string;
  /** What changed, in this order: type, content, size, mode, owner, link. */
  changes: FileChangeKind[];
  a: IndexedFile;
  b: IndexedFile;
}

/** The files of two images compared. */
export interface FilesDiff {
  /** Only in B, by path. */
  added: IndexedFile[];
  /** Only in A, by path. */
  removed: IndexedFile[];
  changed: FileChange[];
  /** Paths in both that agree. */
  unchanged: number;
  /** Bytes of the regular files added and removed, and the change in size of those changed (B minus A). */
  sizes: { added: number; removed: number; changed: number };
}

/** What differs between two entries of one path; empty when nothing that is compared does. */
export function fileChanges(a: IndexedFile, b: IndexedFile): FileChangeKind[] {
  const out: FileChangeKind[] = [];
  if (a.type !== b.type) out.push("type");
  else if (a.digest !== b.digest) out.push("content");
  if (a.size !== b.size) out.push("size");
  if (a.mode !== b.mode) out.push("mode");
  if (a.uid !== b.uid || a.gid !== b.gid) out.push("owner");
  if (a.linkTarget !== b.linkTarget) out.push("link");
  return out;
}

const byPath = (x: { path: string }, y: { path: string }) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);

/** Compares filesystem A with filesystem B (path → entry, as filesystemIndex builds them). */
export function diffFiles(
  a: ReadonlyMap<string, IndexedFile>,
  b: ReadonlyMap<string, IndexedFile>,
): FilesDiff {
  const added: IndexedFile[] = [];
  const removed: IndexedFile[] = [];
  const changed: FileChange[] = [];
  let unchanged = 0;
  for (const [path, x] of a) {
    const y = b.get(path);
    if (!y) {
      removed.push(x);
      continue;
    }
    const changes = fileChanges(x, y);
    if (changes.length) changed.push({ path, changes, a: x, b: y });
    else unchanged++;
  }
  for (const [path, y] of b) if (!a.has(path)) added.push(y);
  const bytes = (list: IndexedFile[]) => list.reduce((sum, f) => sum + f.size, 0);
  return {
    added: added.sort(byPath),
    removed: removed.sort(byPath),
    changed: changed.sort(byPath),
    unchanged,
    sizes: {
      added: bytes(added),
      removed: bytes(removed),
      changed: changed.reduce((sum, c) => sum + c.b.size - c.a.size, 0),
    },
  };
}
