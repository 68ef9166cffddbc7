import { Readable } from "node:stream";
import { quotePath, UsageError } from "@regatta/errors";
import { openRegularFile, readFileRange } from "@regatta/layout";
import { computeDigest, Digester, parseDigest } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import { BlobHandle, targetBlob } from "./blob-handle.js";
import { type ByteStream, toReadable } from "./byte-stream.js";
import { type ClientContext, type RepositoryInput, toRepository } from "./context.js";
import { type UploadRequest, type UploadResult, uploadBlob } from "./registry-api/uploads.js";
import { blobReporter, type OnTransferProgress } from "./transfer-events.js";

/**
 * What a blob can be pushed from. Bytes, a stream factory (which may return a promise) and a file (`{ path }`) can be
 * read again, so an interrupted upload can go on. A file is hashed first, streaming, so the registry can be asked
 * whether it has the blob before anything is sent.
 */
export type BlobSource =
  | Uint8Array
  | ByteStream
  | (() => ByteStream | Uint8Array | Promise<ByteStream | Uint8Array>)
  | { path: string };

/** Blobs at most this large, given as bytes, try the single-request upload (`POST ?digest=`) first. */
export const SINGLE_POST_LIMIT = 1024 * 1024;

export interface PushBlobOptions {
  /** The digest when known: the registry is asked first (HEAD) and nothing is sent when it has the blob. */
  digest?: string;
  /** The size when known (sent as Content-Length and checked). */
  size?: number;
  /** Upload in PATCH chunks of this many bytes instead of one request (the registry's minimum is honoured). */
  chunkSize?: number;
  /** A repository of the same registry to mount the blob from; an upload follows if the registry declines. */
  mountFrom?: RepositoryInput;
  /** Send the blob even when the registry has it. */
  force?: boolean;
  /** The blob's events (transfer-events.ts): `skipped`, `mounted`, or `started`, `bytes`… and `done`. */
  onProgress?: OnTransferProgress;
  signal?: AbortSignal;
}

/** What happened to a pushed blob. */
export interface PushBlobResult {
  /** `registry/repository` it was pushed to. */
  repository: string;
  digest: string;
  size?: number;
  /** The registry had it already: nothing was sent. */
  skipped: boolean;
  /** The registry mounted it from `mountFrom`: nothing was sent. */
  mounted: boolean;
  /** Times the upload was interrupted and taken up again. */
  recoveries?: number;
}

/**
 * Pushes a blob: HEAD first when the digest is known (bytes are hashed here, so they always are), then a mount or an
 * upload. The digest of a stream is computed on the way; a given digest is checked before the registry commits.
 */
export async function pushBlob(
  ctx: ClientContext,
  repository: RepositoryInput,
  given: BlobSource,
  options: PushBlobOptions = {},
): Promise<PushBlobResult> {
  const repo = toRepository(ctx, repository);
  const file = isFileSource(given) ? await fileSource(given.path, options) : undefined;
  try {
    return await pushFrom(ctx, repo, given, file, options);
  } finally {
    await file?.close().catch(() => {});
  }
}

async function pushFrom(
  ctx: ClientContext,
  repo: RepositoryReference,
  given: BlobSource,
  file: Awaited<ReturnType<typeof fileSource>> | undefined,
  options: PushBlobOptions,
): Promise<PushBlobResult> {
  const source = file?.source ?? uploadable(given as Exclude<BlobSource, { path: string }>);
  const digest =
    file?.digest ?? options.digest ?? (source instanceof Uint8Array ? computeDigest(source) : undefined);
  const size = file?.size ?? options.size ?? (source instanceof Uint8Array ? source.length : undefined);
  const signal = options.signal ? { signal: options.signal } : {};
  const report = blobReporter(options.onProgress, {
    ...(digest ? { digest } : {}),
    ...(size !== undefined ? { size } : {}),
  });
  if (digest && !options.force) {
    // With the push's scopes: a refusal of this look names the push (`push to REPO`), not a pull.
    const held = (await targetBlob(ctx, repo, digest, signal))?.size;
    if (held !== undefined) {
      report.end("skipped", 0, { size: held });
      return { repository: repo.name, digest, size: held, skipped: true, mounted: false };
    }
  }
  const from = options.mountFrom === undefined ? undefined : toRepository(ctx, options.mountFrom);
  if (from && from.registry !== repo.registry) {
    throw new UsageError(
      `cannot mount from ${from.name} into ${repo.name}: mounts work within one registry (use copy)`,
    );
  }
  const result = await upload(ctx, repo, {
    source,
    ...(digest ? { digest } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
    ...(from ? { mountFrom: from.repository } : {}),
    ...(source instanceof Uint8Array && source.length <= SINGLE_POST_LIMIT ? { singlePost: true } : {}),
    onProgress: (bytes: number) => report.bytes(bytes),
    ...signal,
  });
  const pushed = toPushResult(repo, result);
  report.end(pushed.mounted ? "mounted" : "done", pushed.mounted ? 0 : (pushed.size ?? 0), {
    digest: pushed.digest,
    ...(pushed.size !== undefined ? { size: pushed.size } : {}),
    ...(pushed.mounted && from ? { from: from.name } : {}),
  });
  return pushed;
}

/**
 * A source as the upload reads it: bytes as they are, any stream of bytes as a Node Readable (byte-stream.ts), a
 * factory's result likewise each time it is called (bytes it returns become a one-chunk stream).
 */
function uploadable(source: Exclude<BlobSource, { path: string }>): UploadRequest["source"] {
  if (source instanceof Uint8Array) return source;
  if (typeof source !== "function") return toReadable(source, "pushBlob source");
  return async () => {
    const made = await source();
    return made instanceof Uint8Array
      ? Readable.from([made], { objectMode: false })
      : toReadable(made, "what the pushBlob source function returned");
  };
}

function isFileSource(source: BlobSource): source is { path: string } {
  return (
    typeof source === "object" && !(source instanceof Uint8Array) && "path" in source && !("pipe" in source)
  );
}

/**
 * A file as an upload source, opened once (openRegularFile): its size from that handle's fstat, and its digest
 * hashed here, streaming (memory stays flat), in the algorithm of a given digest; every upload attempt reads the
 * same handle from the start, so a name given to another file meanwhile changes nothing (QA LOW #4). A given digest
 * the content does not have is refused before any request: the caller's two inputs disagree. The size is checked
 * again by the upload, so a file that changes meanwhile is not committed. `close` releases the handle.
 */
async function fileSource(
  path: string,
  options: PushBlobOptions,
): Promise<{ source: () => Readable; size: number; digest: string; close: () => Promise<void> }> {
  const { handle, stats } = await openRegularFile(path);
  // Read at explicit positions, the handle left open: an upload tried again reads the file again (readFileRange).
  const read = (more: { signal?: AbortSignal } = {}) => readFileRange(handle, path, 0, stats.size, more);
  try {
    const digester = new Digester(options.digest ? parseDigest(options.digest).algorithm : "sha256");
    for await (const chunk of read(options.signal ? { signal: options.signal } : {})) {
      digester.update(chunk as Uint8Array);
    }
    const digest = digester.digest();
    if (options.digest && options.digest !== digest) {
      throw new UsageError(
        `${quotePath(path)} has digest ${digest}, not ${options.digest} as given; nothing was sent`,
      );
    }
    return { source: () => read(), size: stats.size, digest, close: () => handle.close() };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

/**
 * Mounts a blob from another repository of the same registry (`POST ?mount=&from=`). A registry that declines the
 * mount (202) gets the blob streamed from `from` instead, so the blob ends up in `to` either way.
 */
export async function mountBlob(
  ctx: ClientContext,
  from: RepositoryInput,
  to: RepositoryInput,
  digest: string,
  options: { size?: number; signal?: AbortSignal; onProgress?: OnTransferProgress } = {},
): Promise<PushBlobResult> {
  const source = toRepository(ctx, from);
  const target = toRepository(ctx, to);
  if (source.registry !== target.registry) {
    throw new UsageError(
      `cannot mount from ${source.name} into ${target.name}: mounts work within one registry (use copy)`,
    );
  }
  const blob = new BlobHandle(ctx, source, digest, options.size);
  const report = blobReporter(options.onProgress, {
    digest,
    ...(options.size !== undefined ? { size: options.size } : {}),
  });
  const result = await upload(ctx, target, {
    source: () => blob.stream(options.signal ? { signal: options.signal } : {}),
    digest,
    mountFrom: source.repository,
    // The download is verified against the digest already.
    verify: false,
    ...(options.size !== undefined ? { size: options.size } : {}),
    onProgress: (bytes: number) => report.bytes(bytes),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const pushed = toPushResult(target, result);
  report.end(pushed.mounted ? "mounted" : "done", pushed.mounted ? 0 : (pushed.size ?? 0), {
    ...(pushed.mounted ? { from: source.name } : {}),
  });
  return pushed;
}

/** An upload (registry-api/uploads.ts) to a repository, with the context every message starts with. */
export function upload(
  ctx: ClientContext,
  repo: RepositoryReference,
  request: Omit<UploadRequest, "registry" | "repository">,
): Promise<UploadResult> {
  // The registry's own chunk size (hosts) when the call names none.
  const chunkSize = request.chunkSize ?? ctx.chunkSizes?.get(repo.registry);
  return uploadBlob(ctx.transport, {
    registry: repo.registry,
    repository: repo.repository,
    context: `push blob ${request.digest ? `${request.digest} ` : ""}to ${repo.name}`,
    ...request,
    ...(chunkSize !== undefined ? { chunkSize } : {}),
  });
}

function toPushResult(repo: RepositoryReference, result: UploadResult): PushBlobResult {
  return {
    repository: repo.name,
    digest: result.digest,
    ...(result.size !== undefined ? { size: result.size } : {}),
    skipped: false,
    mounted: result.mounted,
    ...(result.recoveries ? { recoveries: result.recoveries } : {}),
  };
}
