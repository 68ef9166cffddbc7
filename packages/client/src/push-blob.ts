import type { Readable } from "node:stream";
import { UsageError } from "@regatta/errors";
import { computeDigest } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import { BlobHandle } from "./blob-handle.js";
import { type ClientContext, type RepositoryInput, toRepository } from "./context.js";
import { type UploadRequest, type UploadResult, uploadBlob } from "./registry-api/uploads.js";

/**
 * What a blob can be pushed from. Bytes and a stream factory (which may return a promise) can be read again, so an
 * interrupted upload can go on.
 */
export type BlobSource = Uint8Array | Readable | (() => Readable | Promise<Readable>);

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
  /** Called with the bytes sent so far and the size when known. */
  onProgress?: (bytes: number, total?: number) => void;
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
  source: BlobSource,
  options: PushBlobOptions = {},
): Promise<PushBlobResult> {
  const repo = toRepository(ctx, repository);
  const digest = options.digest ?? (source instanceof Uint8Array ? computeDigest(source) : undefined);
  const size = options.size ?? (source instanceof Uint8Array ? source.length : undefined);
  const signal = options.signal ? { signal: options.signal } : {};
  if (digest && !options.force) {
    const held = await new BlobHandle(ctx, repo, digest).size(signal);
    if (held !== undefined) {
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
    ...(options.onProgress ? { onProgress: (bytes: number) => options.onProgress?.(bytes, size) } : {}),
    ...signal,
  });
  return toPushResult(repo, result);
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
  options: { size?: number; signal?: AbortSignal; onProgress?: (bytes: number, total?: number) => void } = {},
): Promise<PushBlobResult> {
  const source = toRepository(ctx, from);
  const target = toRepository(ctx, to);
  if (source.registry !== target.registry) {
    throw new UsageError(
      `cannot mount from ${source.name} into ${target.name}: mounts work within one registry (use copy)`,
    );
  }
  const blob = new BlobHandle(ctx, source, digest, options.size);
  const result = await upload(ctx, target, {
    source: () => blob.stream(options.signal ? { signal: options.signal } : {}),
    digest,
    mountFrom: source.repository,
    // The download is verified against the digest already.
    verify: false,
    ...(options.size !== undefined ? { size: options.size } : {}),
    ...(options.onProgress
      ? { onProgress: (bytes: number) => options.onProgress?.(bytes, options.size) }
      : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return toPushResult(target, result);
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
