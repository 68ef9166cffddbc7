/**
 * A layer as a sequence of tar entries, streamed: the blob (verified against its digest as it arrives, blob-handle.ts)
 * is decompressed by what its first bytes say (gzip, zstd, or none: containerd's DecompressStream sniffs too, and
 * layers whose media type says gzip but which are plain tars exist), then parsed by tar-stream. Nothing of a layer is
 * held beyond one chunk; an entry's body must be read or skipped before the next entry comes, and the sequence ends
 * only once the whole blob has been read and its digest checked, so an answer never rests on unverified bytes.
 */
import { pipeline, Readable } from "node:stream";
import * as zlib from "node:zlib";
import { RegattaError, UnsupportedError } from "@regatta/errors";
import tar from "tar-stream";
import { drained } from "./drained.js";
import { imagePath } from "./image-path.js";

/** One layer of an image, as the readers need it. */
export interface LayerSource {
  digest: string;
  mediaType: string;
  size?: number;
  /** The layer's bytes, verified: the stream errors at its end on a wrong digest or size. */
  open(): Promise<Readable>;
}

/** A tar header, as tar-stream parses it (PAX and GNU long names already applied, the PAX records kept). */
export type TarHeader = Omit<tar.Header, "pax"> & { pax?: Record<string, string> | null };

/** One entry of a layer: its canonical path (image-path.ts), its header, its body (empty but for files). */
export interface LayerEntry {
  path: string;
  header: TarHeader;
  body: AsyncIterable<Buffer>;
}

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const BZIP2 = Buffer.from("BZh");
const XZ = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** node:zlib's zstd decompressor: Node ≥ 22.15 and ≥ 23.8 have it, Node 20 does not. */
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream })
  .createZstdDecompress;

/** The decompressor the first bytes call for, or undefined for an uncompressed tar. */
function decompressorFor(head: Buffer, layer: LayerSource): NodeJS.ReadWriteStream | undefined {
  const starts = (magic: Buffer) => head.subarray(0, magic.length).equals(magic);
  if (starts(GZIP)) return zlib.createGunzip();
  if (starts(ZSTD)) {
    if (createZstdDecompress) return createZstdDecompress();
    throw new UnsupportedError(
      `layer ${layer.digest} is zstd-compressed (${layer.mediaType}), and this Node (${process.version}) has no zstd in node:zlib`,
      { code: "LAYER_FORMAT", hint: "run regatta on Node 22.15 or later to read zstd layers" },
    );
  }
  if (starts(BZIP2) || starts(XZ)) {
    throw new UnsupportedError(
      `layer ${layer.digest} is ${starts(XZ) ? "xz" : "bzip2"}-compressed: only gzip, zstd and uncompressed layers are read`,
      { code: "LAYER_FORMAT" },
    );
  }
  return undefined;
}

/** The stream of the tar inside `source`, decompressed as its first bytes say. */
async function tarStream(source: Readable, layer: LayerSource): Promise<Readable> {
  const chunks = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 6 && !ended) {
    const next = await chunks.next();
    if (next.done) ended = true;
    else head = Buffer.concat([head, next.value as Buffer]);
  }
  async function* replay() {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  const raw = Readable.from(replay(), { objectMode: false });
  const decompressor = decompressorFor(head, layer);
  if (!decompressor) return raw;
  // pipeline destroys every stream with the first error, so iterating the last one throws it.
  return pipeline(raw, decompressor, () => undefined) as unknown as Readable;
}

/** A failure while reading a layer, with the layer named; typed errors (a digest mismatch, an abort) pass. */
function layerError(error: unknown, layer: LayerSource): unknown {
  if (error instanceof RegattaError) return error;
  return new UnsupportedError(
    `layer ${layer.digest} (${layer.mediaType}) is not a readable tar archive: ${(error as Error)?.message ?? error}`,
    { code: "LAYER_FORMAT", cause: error },
  );
}

/** Reads or skips what is left of an entry's body, so that the next entry can come. */
async function finish(body: AsyncIterable<Buffer>) {
  for await (const _ of body) {
    // skipped: the consumer did not want it
  }
}

/**
 * The entries of a layer, in the order of its tar (see the module comment). Returning early (a `break`) stops the
 * download; the digest is then not checked, so callers that answer from a layer read it to the end.
 */
export async function* layerEntries(layer: LayerSource): AsyncGenerator<LayerEntry> {
  const source = await layer.open();
  let decompressed: Readable | undefined;
  // Old v7 headers (no ustar magic) are read too, as Go's archive/tar reads them; checksums are checked either way.
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  try {
    decompressed = await tarStream(source, layer);
    const input = decompressed;
    const pump = async () => {
      for await (const chunk of input) {
        if (!extract.write(chunk as Buffer)) await drained(extract, `layer ${layer.digest}`);
      }
      extract.end(undefined as never);
    };
    pump().catch((error: unknown) => extract.destroy(layerError(error, layer) as Error));
    for await (const entry of extract) {
      const body = entry as unknown as AsyncIterable<Buffer>;
      yield { path: imagePath(entry.header.name), header: entry.header as TarHeader, body };
      await finish(body);
    }
  } catch (error) {
    throw layerError(error, layer);
  } finally {
    extract.destroy(undefined);
    decompressed?.destroy();
    source.destroy();
  }
}
