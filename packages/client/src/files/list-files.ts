/**
 * Lists a directory of an image's merged filesystem (or all of it under a directory, with `recursive`): every layer
 * is read, from the top down through the merge of filesystem-merge.ts, keeping only the metadata of the entries
 * wanted (no contents), so memory grows with the listing, not with the layers. A link on the way (`/bin` ->
 * `usr/bin`) is followed inside the image, as `ls /bin/` does; a path naming a file lists that file.
 */
import { NotFoundError, quotePath, UsageError } from "@regatta/errors";
import { FilesystemMerge } from "./filesystem-merge.js";
import { MAX_LINK_HOPS } from "./find-file.js";
import { LayerLinks, type PendingLink, readOrphans } from "./hard-links.js";
import { ancestorsOf, imagePath, isWithin, linkDestination, parentOf, ROOT } from "./image-path.js";
import { type LayerSource, layerEntries, type TarHeader } from "./layer-entries.js";

/** What kind of file an entry is (tar's types, with `link` called `hardlink`). */
export type FileType =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "character-device"
  | "block-device"
  | "fifo"
  | "other";

/** One file of an image's filesystem, as `ls -l` would show it. */
export interface FileEntry {
  /** Absolute path in the image: `/etc/os-release`. */
  path: string;
  type: FileType;
  /** Bytes of a regular file; 0 for the others. */
  size: number;
  /** Permission bits (and setuid, setgid, sticky): `0o755`. */
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
  /** A symlink's target as stored, or a hard link's target path in the image. */
  linkTarget?: string;
  /** The digest of the layer the entry comes from; absent for a directory no layer names (implied by its files). */
  layer?: string;
}

/** The result of {@link listFiles}. */
export interface FileListing {
  /** The directory listed (or the file), after links were followed. */
  path: string;
  /** Sorted by path. */
  entries: FileEntry[];
}

export interface ListFilesOptions {
  /** Everything under the directory, not only its own entries. */
  recursive?: boolean;
  /** Names the image in errors. */
  image: string;
}

/** A tar header as a {@link FileEntry}. */
export function fileEntry(path: string, header: TarHeader, layer?: string): FileEntry {
  const type = fileType(header.type);
  const linkTarget =
    type === "symlink" ? header.linkname : type === "hardlink" ? imagePath(header.linkname ?? "") : undefined;
  return {
    path,
    type,
    size: type === "file" ? (header.size ?? 0) : 0,
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    ...(header.mtime ? { mtime: header.mtime } : {}),
    ...(linkTarget !== undefined && linkTarget !== null ? { linkTarget } : {}),
    ...(layer !== undefined ? { layer } : {}),
  };
}

function fileType(type: TarHeader["type"]): FileType {
  switch (type) {
    case "file":
    case "contiguous-file":
      return "file";
    case "link":
      return "hardlink";
    case "directory":
    case "symlink":
    case "character-device":
    case "block-device":
    case "fifo":
      return type;
    default:
      return "other";
  }
}

/** Lists `asked` (default the root) in the image whose layers are `layers`, bottom first. */
export async function listFiles(
  layers: readonly LayerSource[],
  asked: string,
  options: ListFilesOptions,
): Promise<FileListing> {
  const path = imagePath(asked);
  let current = path;
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
    const found = await collect(layers, current, options.recursive === true);
    const next = linkOnTheWay(found, current, path, options.image);
    if (next !== undefined) {
      current = next;
      continue;
    }
    const self = found.get(current);
    if (self && self.type !== "directory") return { path: current, entries: [self] };
    const entries = [...found.values()].filter((e) => e.path !== current && isWithin(e.path, current));
    if (!self && entries.length === 0 && current !== ROOT) {
      const via = current === path ? "" : ` (-> ${quotePath(current)})`;
      throw new NotFoundError(`${quotePath(path)}${via} not found in ${options.image}`, {
        code: "FILE_UNKNOWN",
      });
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { path: current, entries };
  }
  throw new UsageError(`${quotePath(path)}: more than ${MAX_LINK_HOPS} links followed in ${options.image}`, {
    code: "LINK_LOOP",
  });
}

/**
 * Where a link on the way to `current`, or at it, leads; undefined when there is none.
 * @throws NotFoundError when something on the way is neither a directory nor a link.
 */
function linkOnTheWay(
  found: Map<string, FileEntry>,
  current: string,
  asked: string,
  image: string,
): string | undefined {
  for (const dir of ancestorsOf(current)) {
    const entry = found.get(dir);
    if (dir === ROOT || !entry || entry.type === "directory") continue;
    if (entry.type !== "symlink") {
      throw new NotFoundError(
        `${quotePath(asked)} not found in ${image}: ${quotePath(dir)} is not a directory`,
        {
          code: "FILE_UNKNOWN",
        },
      );
    }
    return imagePath(`${linkDestination(dir, entry.linkTarget ?? "")}/${current.slice(dir.length + 1)}`);
  }
  const self = found.get(current);
  return self?.type === "symlink" ? linkDestination(current, self.linkTarget ?? "") : undefined;
}

/**
 * The layer `index` ended: its kept hard links in `found` name their file (a link to a link resolved), or, when the
 * layer did not keep that file, are what hard-links.ts makes of them — the group's first surviving name a file,
 * with the file's size, mode and owner (the layer is read again for them, only when the listing shows the group),
 * the others links to it, a link to nothing not there.
 */
async function settleLinks(
  layers: readonly LayerSource[],
  index: number,
  links: LayerLinks,
  found: Map<string, FileEntry>,
): Promise<void> {
  const linkTo = (path: string, target: string) => {
    const entry = found.get(path);
    if (entry) entry.linkTarget = target;
  };
  for (const [file, group] of links.takeLinked()) for (const link of group) linkTo(link.path, file);
  for (const [file, group] of links.pending)
    if (!group.some((link) => found.has(link.path))) links.pending.delete(file);
  const layer = (layers[index] as LayerSource).digest;
  const nowhere = await readOrphans(layers, index, links.pending, async (group, header) => {
    const [first, ...others] = group as [PendingLink, ...PendingLink[]];
    if (found.has(first.path))
      found.set(first.path, fileEntry(first.path, { ...header, type: "file" }, layer));
    for (const link of others) linkTo(link.path, first.path);
  });
  for (const group of nowhere) for (const link of group) found.delete(link.path);
}

/**
 * One pass over the layers: the kept entries at `dir`, above it (to find links on the way) and under it (its own
 * entries, or all with `recursive`), plus the directories implied by deeper entries that no layer names.
 */
async function collect(
  layers: readonly LayerSource[],
  dir: string,
  recursive: boolean,
): Promise<Map<string, FileEntry>> {
  const merge = new FilesystemMerge();
  const above = new Set(ancestorsOf(dir));
  const found = new Map<string, FileEntry>();
  const implied = new Set<string>();
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index] as LayerSource;
    const links = new LayerLinks();
    for await (const entry of layerEntries(layer)) {
      const { path, header } = entry;
      const verdict = merge.visit(path, header.type === "directory");
      const file = header.type === "link" ? links.link(path, header.linkname ?? "") : undefined;
      if (verdict !== "keep") continue;
      if (file !== undefined && !links.has(file)) links.defer(file, { path, header });
      else if (file === undefined && header.type !== "directory") links.kept(path);
      const shown = () => ({
        ...fileEntry(path, header, layer.digest),
        ...(file ? { linkTarget: file } : {}),
      });
      if (path === dir || above.has(path)) {
        found.set(path, shown());
      } else if (isWithin(path, dir)) {
        if (recursive || parentOf(path) === dir) found.set(path, shown());
        // The directories between dir and a deeper entry exist even when no layer names them.
        for (const between of ancestorsOf(path)) {
          if (between !== dir && isWithin(between, dir) && (recursive || parentOf(between) === dir))
            implied.add(between);
        }
      }
    }
    await settleLinks(layers, index, links, found);
    merge.endLayer();
  }
  for (const path of implied) {
    if (!found.has(path)) found.set(path, { path, type: "directory", size: 0, mode: 0o755, uid: 0, gid: 0 });
  }
  return found;
}
