/**
 * The files of an image, from a registry: the layers of the image a reference names (an index resolved to the
 * call's platform, else the client's), each read as a verified blob stream (blob-handle.ts), handed to the readers
 * of this directory. docs/files.md has the whole story.
 */
import { type Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { quotePath, UnsupportedError, UsageError } from "@regatta/errors";
import { writeStreamAtomic } from "@regatta/layout";
import { type ImageManifest, LAYER_TYPES } from "@regatta/manifest";
import { BlobHandle } from "../blob-handle.js";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import type { ManifestOptions, ManifestResult } from "../get-manifest.js";
import { imageManifest } from "../image-info.js";
import { type ExportCounts, filesystemTar } from "./export-filesystem.js";
import { findFile } from "./find-file.js";
import { ImageFile } from "./image-file.js";
import type { LayerSource } from "./layer-entries.js";
import { type FileEntry, type FileListing, fileEntry, listFiles } from "./list-files.js";

/** Options of every call that reads an image's files. */
export interface ImageFilesOptions {
  /** The image of an index to read (`os/arch[/variant]`); default the client's platform. */
  platform?: string;
  signal?: AbortSignal;
}

/** Options of `reg.exportFilesystem()`. */
export interface ExportOptions extends ImageFilesOptions {
  /** Called once when the target file is a FIFO that has had no reader for a second (the write waits for one). */
  onReaderWait?: () => void;
}

/** Options of `reg.file()`. */
export interface FileOptions extends ImageFilesOptions {
  /** The most bytes read into memory (default 64 MiB, as `blob().bytes()`): stream larger files with `fileStream`. */
  limit?: number;
}

/** What `reg.fileStream()` gives: the file's metadata now, its bytes as they come. */
export interface ImageFileStream {
  path: string;
  resolvedPath: string;
  image: string;
  entry: FileEntry;
  /** Ends once the layer holding the file has been verified against its digest; errors otherwise. */
  stream: Readable;
}

/** The result of `reg.listFiles()`. */
export interface ImageFileListing extends FileListing {
  image: string;
}

/** The result of `reg.exportFilesystem()`. */
export interface ExportResult extends ExportCounts {
  image: string;
  /** The file written, when the target was a path. */
  path?: string;
  /** Bytes of the tar. */
  size: number;
}

/** The default cap of `reg.file()`. */
export const FILE_BYTES_LIMIT = 64 * 1024 * 1024;

/** The layers of the image `input` names, as sources the readers open one at a time, and its name for messages. */
export async function imageLayers(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ImageFilesOptions = {},
  /** The image's manifest when the caller has resolved (and checked) it already, as diff has. */
  resolved?: ManifestResult,
): Promise<{ image: string; layers: LayerSource[] }> {
  const manifestOptions: ManifestOptions = {
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const got = resolved ?? (await imageManifest(ctx, input, manifestOptions));
  const named = toReference(ctx, input).familiar();
  const image = got.index && got.platform ? `${named} (${got.platform})` : named;
  const repository = got.reference.repositoryOnly();
  const layers = ((got.manifest as ImageManifest).layers ?? []).map((layer): LayerSource => {
    // Artifacts have "layers" that are no filesystem (a signature, an SBOM): refused, not parsed as tar.
    if (!LAYER_TYPES.has(layer.mediaType) && !/\.tar(\+|$)/.test(layer.mediaType)) {
      throw new UnsupportedError(
        `${image} is not a container image: its layer ${layer.digest} is ${layer.mediaType}, not a filesystem layer`,
        { code: "LAYER_FORMAT" },
      );
    }
    const blob = new BlobHandle(ctx, repository, layer.digest, layer.size);
    return {
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
      open: () => blob.stream(options.signal ? { signal: options.signal } : {}),
    };
  });
  return { image, layers };
}

/** A file of an image as a stream (links followed inside the image). */
export async function openImageFile(
  ctx: ClientContext,
  input: ReferenceInput,
  path: string,
  options: ImageFilesOptions = {},
): Promise<ImageFileStream> {
  const { image, layers } = await imageLayers(ctx, input, options);
  const found = await findFile(layers, path, { image });
  return {
    path: found.path,
    resolvedPath: found.resolvedPath,
    image,
    entry: fileEntry(found.resolvedPath, found.header, found.layer),
    stream: found.stream,
  };
}

/** A file of an image in memory, verified; refused beyond `limit` bytes before any is read. */
export async function readImageFile(
  ctx: ClientContext,
  input: ReferenceInput,
  path: string,
  options: FileOptions = {},
): Promise<ImageFile> {
  const limit = options.limit ?? FILE_BYTES_LIMIT;
  const opened = await openImageFile(ctx, input, path, options);
  if (opened.entry.size > limit) {
    opened.stream.destroy();
    throw new UsageError(
      `${quotePath(opened.path)} in ${opened.image} is ${opened.entry.size} bytes, more than the ${limit} read into memory`,
      { code: "FILE_TOO_LARGE", hint: "stream it with reg.fileStream() or `regatta cat`, or raise limit" },
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
  return new ImageFile({
    path: opened.path,
    resolvedPath: opened.resolvedPath,
    image: opened.image,
    entry: opened.entry,
    bytes: Buffer.concat(chunks),
  });
}

/** A directory of an image (all under it with `recursive`). */
export async function listImageFiles(
  ctx: ClientContext,
  input: ReferenceInput,
  path: string,
  options: ImageFilesOptions & { recursive?: boolean } = {},
): Promise<ImageFileListing> {
  const { image, layers } = await imageLayers(ctx, input, options);
  const listing = await listFiles(layers, path, {
    image,
    ...(options.recursive !== undefined ? { recursive: options.recursive } : {}),
  });
  return { ...listing, image };
}

/**
 * The merged filesystem of an image as one tar: to a file (atomically: a hidden temporary beside it, renamed once
 * complete, removed on any failure or abort) or to a stream (left open: stdout).
 */
export async function exportImageFilesystem(
  ctx: ClientContext,
  input: ReferenceInput,
  target: string | Writable,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const { image, layers } = await imageLayers(ctx, input, options);
  const counts: ExportCounts = { entries: 0, dropped: 0 };
  const tar = filesystemTar(layers, counts);
  const signal = options.signal ? { signal: options.signal } : {};
  if (typeof target === "string") {
    const size = await writeStreamAtomic(target, tar, {
      ...signal,
      ...(options.onReaderWait ? { onReaderWait: options.onReaderWait } : {}),
    });
    return { image, path: target, size, ...counts };
  }
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(tar, counter, target, { end: false, ...signal });
  return { image, size, ...counts };
}
