import { createHash } from "node:crypto";
import { once } from "node:events";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { seededStream } from "./seeded-random.js";

/** What {@link writeLayer} measured while writing. */
export interface LayerDigests {
  /** sha256 of the gzipped blob. */
  digest: string;
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: string;
  /** Size of the gzipped blob. */
  size: number;
}

/** Options of {@link writeLayer}. */
export interface WriteLayerOptions {
  seed: string;
  /** Size of the random file inside the tar. */
  fileSize: number;
  /** Path of that file inside the tar. */
  fileName: string;
  /** gzip level, 0 (stored) to 9. */
  gzipLevel: number;
}

/**
 * Streams a layer (gzip of a tar holding one file of seeded random bytes) into `sink`, hashing the tar and the
 * gzip on the way, without holding the layer in memory. Headers carry mtime 0 and uid/gid 0 so the same seed
 * always yields the same digest.
 */
export async function writeLayer(options: WriteLayerOptions, sink: Writable): Promise<LayerDigests> {
  const pack = tar.pack();
  const tarHash = createHash("sha256");
  const blobHash = createHash("sha256");
  let size = 0;
  const gzip = createGzip({ level: options.gzipLevel });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      blobHash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const produce = async () => {
    let entryDone!: (error?: Error | null) => void;
    const written = new Promise<void>((resolve, reject) => {
      entryDone = (error) => (error ? reject(error) : resolve());
    });
    const entry = pack.entry(
      {
        name: options.fileName,
        size: options.fileSize,
        mode: 0o644,
        uid: 0,
        gid: 0,
        uname: "",
        gname: "",
        mtime: new Date(0),
        type: "file",
      },
      (error) => entryDone(error),
    );
    for await (const chunk of seededStream(options.seed, options.fileSize)) {
      if (!entry.write(chunk)) await once(entry, "drain");
    }
    entry.end(() => undefined);
    await written;
    pack.finalize();
  };
  const consume = async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) {
      tarHash.update(chunk);
      if (!gzip.write(chunk)) await once(gzip, "drain");
    }
    gzip.end();
  };
  const fail = (error: unknown) => {
    pack.destroy(error as Error);
    gzip.destroy(error as Error);
    throw error;
  };
  await Promise.all([produce().catch(fail), consume().catch(fail), pipeline(gzip, tap, sink)]);
  return { digest: `sha256:${blobHash.digest("hex")}`, diffId: `sha256:${tarHash.digest("hex")}`, size };
}
