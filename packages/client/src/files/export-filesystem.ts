/**
 * The merged filesystem of an image as one tar, streamed, as `crane export` and `docker export` write it: layers are
 * read from the top down through the merge of filesystem-merge.ts, and each entry the merge keeps is written at
 * once, its bytes straight from the layer, so memory holds the set of paths seen, never a file. Whiteouts and opaque
 * markers are applied, not written. Names are canonical and relative (`etc/passwd`: no `/`, no `..`, no `./`; see
 * image-path.ts), and no entry is written beneath a symlink or a file, so extracting the result cannot write outside
 * its directory. Links stay links: symlink targets as stored, hard link targets as canonical names.
 *
 * The order is the merge's: upper layers' entries first, so a file may come before its directory's own entry (GNU
 * tar, bsdtar and containerd accept that, and the directory entry then sets its mode). A hard link whose target only
 * a lower layer has comes before that target: real layers keep a link and its target together.
 */
import { Readable } from "node:stream";
import { AbortError } from "@regatta/errors";
import tar from "tar-stream";
import { drained } from "./drained.js";
import { FilesystemMerge } from "./filesystem-merge.js";
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

/** The header of `path` in the export: the layer's, renamed, with its other PAX records (xattrs, times) kept. */
function exportHeader(path: string, header: TarHeader): tar.Header {
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
  if (header.type === "link") out.linkname = tarName(imagePath(header.linkname ?? ""));
  return out;
}

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
  const produce = async () => {
    const merge = new FilesystemMerge();
    for (let index = layers.length - 1; index >= 0; index--) {
      const layer = layers[index] as LayerSource;
      for await (const entry of layerEntries(layer)) {
        const verdict = merge.visit(entry.path, entry.header.type === "directory");
        // The root's own entry is left out: its mode and owner are the extracting directory's business.
        if (verdict !== "keep" || entry.path === ROOT) {
          counts.dropped++;
          continue;
        }
        await writeEntry(pack, exportHeader(entry.path, entry.header), entry.body);
        counts.entries++;
      }
      merge.endLayer();
    }
    pack.finalize();
  };
  produce().catch((error: unknown) => pack.destroy(error as Error));
  // tar-stream's streams are streamx ones: handed on as a Node stream, which destroys the pack (and so the
  // downloads) when its reader goes away.
  async function* chunks() {
    try {
      for await (const chunk of pack) yield chunk as Buffer;
    } finally {
      // An error, not a plain close: an entry waiting for 'drain' then fails, and its layer's download stops.
      if (!pack.destroyed) pack.destroy(new AbortError("the reader of the exported filesystem went away"));
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
