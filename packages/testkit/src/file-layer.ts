/**
 * Layers with chosen contents: files, directories, links, whiteouts (`.wh.NAME`, `DIR/.wh..wh..opq`), in the order
 * given, so tests of what an image's filesystem holds (regatta cat / ls / export) can build the cases they name.
 * Headers carry mtime 0, so the same entries always give the same digests.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";

/** One entry of a layer built by {@link tarOfEntries}. */
export interface LayerFileEntry {
  /** As stored in the tar: `etc/os-release`, `./etc/`, even `../../evil` for a hostile layer. */
  name: string;
  /** Default `file`. `link` is a hard link. */
  type?: "file" | "directory" | "symlink" | "link" | "fifo";
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** The bytes of an uncompressed tar of `entries`, in order. */
export async function tarOfEntries(entries: readonly LayerFileEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const spec of entries) {
    const type = spec.type ?? "file";
    const header = {
      name: spec.name,
      type,
      mode: spec.mode ?? (type === "directory" ? 0o755 : 0o644),
      mtime: new Date(0),
      ...(spec.linkname !== undefined ? { linkname: spec.linkname } : {}),
    };
    if (type === "file") pack.entry(header, spec.content ?? "");
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A gzipped layer of `entries`: its bytes, digest and diff id (the digest of the tar). */
export async function fileLayerBlob(
  entries: readonly LayerFileEntry[],
): Promise<{ bytes: Buffer; digest: string; diffId: string }> {
  const plain = await tarOfEntries(entries);
  const bytes = gzipSync(plain);
  const sha = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
  return { bytes, digest: sha(bytes), diffId: sha(plain) };
}
