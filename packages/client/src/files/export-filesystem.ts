/**
 * The merged filesystem of an image as one tar, streamed, as `crane export` and `docker export` write it: layers are
 * read from the top down through the merge of filesystem-merge.ts, and each entry the merge keeps is written at
 * once, its bytes straight from the layer, so memory holds the set of paths seen, never a file. Whiteouts and opaque
 * markers are applied, not written. Names are canonical and relative (`etc/passwd`: no `/`, no `..`, no `./`; see
 * image-path.ts), and no entry is written beneath a symlink or a file, so extracting the result cannot write outside
 * its directory. Links stay links: symlink targets as stored, hard link targets as canonical names.
 *
 * A hard link whose target name does not carry its file into the export — a layer above replaced or deleted it, so
 * the link written as is would extract with the new file's bytes, or fail with nothing to link to — is written as
 * its own file, its group's other names linking to it, as hard-links.ts has it (what `cat` reads, what `docker
 * export` of a container gives); its layer is read a second time, once, when it ends. One whose file is nowhere is
 * dropped.
 *
 * The order is the merge's: upper layers' entries first, so a file may come before its directory's own entry (GNU
 * tar, bsdtar and containerd accept that, and the directory entry then sets its mode). The links of a layer whose
 * target comes after them in that layer, and the link groups written anew, come when their layer ends.
 */
import { Readable } from "node:stream";
import { AbortError } from "@regatta/errors";
import tar from "tar-stream";
import { drained } from "./drained.js";
import { FilesystemMerge } from "./filesystem-merge.js";
import { LayerLinks, type PendingLink, readOrphans } from "./hard-links.js";
import { imagePath, ROOT, tarName } from "./image-path.js";
import { type LayerSource, layerEntries, type TarHeader } from "./layer-entries.js";

/** What an export wrote. */
export interface ExportCounts {
  /** Entries written (files, directories, links, devices). */
  entries: number;
  /** Entries of the layers left out: overridden, deleted, or whiteouts and opaque markers themselves. */
  dropped: number;
}

/** PAX records the header itself carries (tar-stream writes them from `name`, `linkname` and `size`). */
const OWN_RECORDS = new Set(["path", "linkpath", "size"]);

/**
 * The header of `path` in the export: the layer's, renamed, with its other PAX records (xattrs, times) kept; a hard
 * link names `linkTo` (canonical), else its own target.
 */
function exportHeader(path: string, header: TarHeader, linkTo?: string): tar.Header {
  const pax = Object.fromEntries(Object.entries(header.pax ?? {}).filter(([key]) => !OWN_RECORDS.has(key)));
  const out = {
    // A directory's name ends in `/`, as GNU tar and `docker export` write it.
    name: header.type === "directory" ? `${tarName(path)}/` : tarName(path),
    type: header.type,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    size: header.type === "file" || header.type === "contiguous-file" ? header.size : 0,
    mtime: header.mtime,
    uname: header.uname,
    gname: header.gname,
    devmajor: header.devmajor,
    devminor: header.devminor,
    ...(Object.keys(pax).length > 0 ? { pax } : {}),
  } as tar.Header;
  if (header.type === "symlink") out.linkname = header.linkname;
  if (header.type === "link") out.linkname = tarName(linkTo ?? imagePath(header.linkname ?? ""));
  return out;
}

/** No bytes: the body of an entry that has none. */
async function* nothing(): AsyncGenerator<Buffer> {}

/** Writes one entry and its bytes into `pack`, waiting for the reader as it goes. */
async function writeEntry(pack: tar.Pack, header: tar.Header, body: AsyncIterable<Buffer>): Promise<void> {
  let sink!: ReturnType<tar.Pack["entry"]>;
  const written = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
  });
  // Settled while the body is still being read when the pack is destroyed: awaited below, never unhandled.
  written.catch(() => undefined);
  // A destroyed pack destroys its entry with the error, and a streamx stream emits 'error' whether or not anyone
  // listens: unheard, Node throws it as an uncaught exception (Ctrl-C during `regatta export` did). The error
  // reaches the reader through the pack's iteration and `written`.
  sink.on("error", () => undefined);
  if (header.type === "file" || header.type === "contiguous-file") {
    for await (const chunk of body) {
      if (!sink.write(chunk)) await drained(sink, "the exported filesystem");
    }
    sink.end(undefined as never);
  }
  await written;
}

/**
 * The merged filesystem of the image whose layers are `layers` (bottom first) as a tar stream (see the module
 * comment). `counts` is filled in as it goes, complete once the stream has ended.
 */
export function filesystemTar(layers: readonly LayerSource[], counts: ExportCounts): Readable {
  const pack = tar.pack();
  // Errors reach the reader through the iteration below; this keeps a late one from being an uncaught 'error'.
  pack.on("error", () => undefined);
  const write = async (header: tar.Header, body: AsyncIterable<Buffer> = nothing()) => {
    await writeEntry(pack, header, body);
    counts.entries++;
  };
  /** A group of links as one file: the first holds the file's `header` and `body`, the others link to it. */
  const writeGroup = async (
    group: readonly PendingLink[],
    header: TarHeader,
    body: AsyncIterable<Buffer>,
  ) => {
    const [first, ...others] = group as [PendingLink, ...PendingLink[]];
    await write(exportHeader(first.path, header), body);
    for (const link of others) await write(exportHeader(link.path, link.header, first.path));
  };
  /** The layer `index` ended: its links whose file it did not keep (hard-links.ts). */
  const writePending = async (index: number, links: LayerLinks) => {
    for (const [file, group] of links.takeLinked()) {
      for (const link of group) await write(exportHeader(link.path, link.header, file));
    }
    const nowhere = await readOrphans(layers, index, links.pending, writeGroup);
    for (const group of nowhere) counts.dropped += group.length;
  };
  const produce = async () => {
    const merge = new FilesystemMerge();
    for (let index = layers.length - 1; index >= 0; index--) {
      const layer = layers[index] as LayerSource;
      const links = new LayerLinks();
      for await (const entry of layerEntries(layer)) {
        const { header } = entry;
        const verdict = merge.visit(entry.path, header.type === "directory");
        const file = header.type === "link" ? links.link(entry.path, header.linkname ?? "") : undefined;
        // The root's own entry is left out: its mode and owner are the extracting directory's business.
        if (verdict !== "keep" || entry.path === ROOT) {
          counts.dropped++;
        } else if (file === undefined) {
          await write(exportHeader(entry.path, header), entry.body);
          if (header.type !== "directory") links.kept(entry.path);
        } else if (links.has(file)) {
          await write(exportHeader(entry.path, header, file));
        } else {
          links.defer(file, { path: entry.path, header });
        }
      }
      await writePending(index, links);
      merge.endLayer();
    }
    pack.finalize();
  };
  produce().catch((error: unknown) => pack.destroy(error as Error));
  // tar-stream's streams are streamx ones: handed on as a Node stream whose destroy destroys the pack (and so the
  // downloads feeding it). Destroyed at once, not after a pending read: a reader that fails before its first read
  // (a target that is a directory) must stop the layer download too, which waits behind the unread pack; a generator
  // wrapped in Readable.from would never run its cleanup then, and the paused download would hold the client open.
  const entries = pack[Symbol.asyncIterator]();
  return new Readable({
    async read() {
      try {
        const next = await entries.next();
        this.push(next.done ? null : (next.value as Buffer));
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      // An error, not a plain close: an entry waiting for 'drain' then fails, and its layer's download stops.
      if (!pack.destroyed)
        pack.destroy(error ?? new AbortError("the reader of the exported filesystem went away"));
      callback(error);
    },
  });
}
