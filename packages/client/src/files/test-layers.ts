/** Test helpers: layers built in memory (testkit's tarOfEntries, zlib), as LayerSources that count their opens. */
export type { LayerFileEntry as EntrySpec } from "@regatta/testkit";

import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { AbortError, DigestMismatchError } from "@regatta/errors";
import { type LayerFileEntry, tarOfEntries } from "@regatta/testkit";
import tar from "tar-stream";
import type { LayerSource } from "./layer-entries.js";

/**
 * A layer whose `opens` counts how often it was read; `corrupt` makes its stream fail at the end, as a bad digest,
 * `cutAt` fails it with an AbortError once that many bytes have gone, as Ctrl-C does.
 */
export interface TestLayer extends LayerSource {
  opens: number;
  /** The streams handed out, to see whether a reader that went away stopped the download. */
  streams: Readable[];
}

export async function testLayer(
  entries: readonly LayerFileEntry[],
  options: { compression?: "gzip" | "none"; corrupt?: boolean; bytes?: Buffer; cutAt?: number } = {},
): Promise<TestLayer> {
  const plain = await tarOfEntries(entries);
  const bytes = options.bytes ?? (options.compression === "none" ? plain : gzipSync(plain));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const layer: TestLayer = {
    digest,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    size: bytes.length,
    opens: 0,
    streams: [],
    async open() {
      layer.opens++;
      async function* chunks() {
        // Small chunks, so entries straddle them as they do off the network.
        for (let at = 0; at < bytes.length; at += 700) {
          if (options.cutAt !== undefined && at >= options.cutAt) throw new AbortError("cut off");
          yield bytes.subarray(at, at + 700);
        }
        if (options.corrupt) throw new DigestMismatchError(`blob ${digest}: digest mismatch`);
      }
      const stream = Readable.from(chunks(), { objectMode: false });
      layer.streams.push(stream);
      return stream;
    },
  };
  return layer;
}

/** Reads a stream to the end as text. */
export async function textOf(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The entries of a tar stream: name, type and (for files) content. */
export async function tarListing(
  stream: AsyncIterable<unknown>,
): Promise<{ name: string; type: string; content?: string; linkname?: string }[]> {
  const extract = tar.extract();
  const out: { name: string; type: string; content?: string; linkname?: string }[] = [];
  let failure: unknown;
  const feed = (async () => {
    for await (const chunk of stream) extract.write(chunk as Buffer);
    extract.end(undefined as never);
  })().catch((error: unknown) => {
    failure = error;
    extract.destroy(error as Error);
  });
  for await (const entry of extract) {
    const content = await textOf(entry as unknown as AsyncIterable<unknown>);
    out.push({
      name: entry.header.name,
      type: entry.header.type,
      ...(entry.header.type === "file" ? { content } : {}),
      ...(entry.header.linkname ? { linkname: entry.header.linkname } : {}),
    });
  }
  await feed;
  if (failure) throw failure;
  return out;
}
