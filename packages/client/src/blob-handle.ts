import { pipeline, type Readable, Transform } from "node:stream";
import { PUSH_ACTIONS, repositoryScope } from "@regatta/auth";
import { DigestMismatchError, SizeMismatchError } from "@regatta/errors";
import { writeStreamAtomic } from "@regatta/layout";
import { parseDigest } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import { assertOpen, type ClientContext, withClientSignal } from "./context.js";
import { readThroughMirrors } from "./mirrors.js";
import { type BlobHead, blobGet, blobHead, SIZE_LIMIT } from "./registry-api/blobs.js";
import { blobReporter, type OnTransferProgress } from "./transfer-events.js";

export interface BlobReadOptions {
  signal?: AbortSignal;
  /** The blob's events (transfer-events.ts): `started`, `bytes` as they arrive, `done` once read and verified. */
  onProgress?: OnTransferProgress;
  /**
   * The most bytes to read, for a blob whose size may be unknown (`reg.blob(repo, digest)` without `size`, from a
   * registry whose GET and HEAD give none). A size that is known and larger is refused before the body is read; an
   * unknown one is cut as soon as more than this has arrived, without keeping the bytes in memory (`toFile` removes
   * its temporary file). Either way a SizeMismatchError with code `SIZE_LIMIT` (`expected` the limit, `actual` the
   * size announced or the bytes received). Default none: a blob of unknown size is read until its body ends, as
   * crane and skopeo do; a known size always bounds the body by itself.
   */
  maxSize?: number;
}

/** Whether `error` is the refusal of a blob larger than {@link BlobReadOptions.maxSize}: not worth a second fetch. */
function overLimit(error: unknown): boolean {
  return error instanceof SizeMismatchError && error.code === SIZE_LIMIT;
}

/** What a blob turned out to be once fully read and verified. */
export interface BlobSaved {
  path: string;
  digest: string;
  size: number;
}

/**
 * A blob of a repository. Nothing is fetched until a method is called; every read streams and verifies the digest
 * (and the size, when known) on the fly, failing with DigestMismatchError / SizeMismatchError at the end.
 */
export class BlobHandle {
  constructor(
    private readonly ctx: ClientContext,
    readonly repository: RepositoryReference,
    readonly digest: string,
    /** The size from the descriptor, when the caller knows it: checked while reading. */
    readonly expectedSize?: number,
  ) {
    parseDigest(digest);
  }

  /**
   * A verified stream of the blob's bytes. The stream errors if the content does not match the digest. The
   * registry's mirrors are asked first (mirrors.ts); which one serves is settled when its answer starts, so a
   * mirror whose bytes turn out wrong fails the stream (`toFile` and `bytes` then read the registry itself).
   */
  stream(given: BlobReadOptions = {}): Promise<Readable> {
    return this.#stream(given, true);
  }

  async #stream(given: BlobReadOptions, viaMirrors: boolean): Promise<Readable> {
    assertOpen(this.ctx, `blob ${this.digest}`);
    const options = withClientSignal(this.ctx, given) ?? given;
    const get = (registry: string) =>
      blobGet(this.ctx.transport, {
        registry,
        repository: this.repository.repository,
        digest: this.digest,
        ...(this.expectedSize !== undefined ? { size: this.expectedSize } : {}),
        ...(options.maxSize !== undefined ? { maxSize: options.maxSize } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        context: `get blob ${this.digest} from ${this.repository.name}`,
      });
    const { registry } = this.repository;
    const { stream, size } = viaMirrors
      ? await readThroughMirrors(this.ctx, registry, get, options.signal)
      : await get(registry);
    if (!options.onProgress) return stream;
    const total = this.expectedSize ?? size;
    const report = blobReporter(options.onProgress, {
      digest: this.digest,
      ...(total !== undefined ? { size: total } : {}),
    });
    let transferred = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        transferred += chunk.length;
        report.bytes(transferred);
        done(null, chunk);
      },
      // The source ended without error: its size and digest were verified (blobGet's stream fails otherwise).
      flush(done) {
        report.end("done", transferred);
        done();
      },
    });
    // Linked both ways: a reader that stops early (a write that failed: a full disk) destroys the response body too,
    // or its socket stays busy and the client's close() waits on it for ever.
    return pipeline(stream, counter, () => {});
  }

  /**
   * Writes the blob to `path` atomically: into a temporary file beside it, renamed into place only once the digest
   * has been verified. On any failure the temporary file is removed and `path` is left untouched.
   */
  async toFile(path: string, given: BlobReadOptions = {}): Promise<BlobSaved> {
    const options = withClientSignal(this.ctx, given) ?? given;
    // Bytes damaged on the way are fetched once more before giving up (issue 10, item 9): a file, unlike a stream
    // already handed on, can start over. Content that is wrong twice is what the registry serves. The second
    // fetch is from the registry itself: wrong bytes from a mirror are not asked for again.
    for (let refetched = false; ; refetched = true) {
      try {
        const size = await writeStreamAtomic(path, await this.#stream(options, !refetched), {
          ...(options.signal ? { signal: options.signal } : {}),
          // A FIFO nobody reads is said once, as a pull says it (transfer-events.ts), so the wait does not look hung.
          onReaderWait: () => options.onProgress?.({ type: "waiting", destination: path, reader: true }),
        });
        return { path, digest: this.digest, size };
      } catch (error) {
        const badContent = error instanceof DigestMismatchError || error instanceof SizeMismatchError;
        // A body past maxSize is what the registry serves (or it would have given a size): not fetched again.
        if (refetched || !badContent || overLimit(error) || options.signal?.aborted) throw error;
      }
    }
  }

  /** The whole blob in memory, verified. Refuses blobs larger than `limit` (default 64 MiB): stream those instead. */
  async bytes(options: BlobReadOptions & { limit?: number } = {}): Promise<Buffer> {
    const limit = options.limit ?? 64 * 1024 * 1024;
    if (this.expectedSize !== undefined && this.expectedSize > limit) {
      throw new SizeMismatchError(
        `blob ${this.digest} is ${this.expectedSize} bytes, more than the ${limit} read into memory; stream it or save it to a file`,
      );
    }
    try {
      return await this.#read(options, limit, true);
    } catch (error) {
      // Wrong bytes from a mirror: the registry itself is asked (without mirrors there is nothing else to ask).
      const badContent = error instanceof DigestMismatchError || error instanceof SizeMismatchError;
      const mirrored = this.ctx.mirrors?.get(this.repository.registry)?.length;
      if (!badContent || !mirrored || options.signal?.aborted) throw error;
      return this.#read(options, limit, false);
    }
  }

  async #read(options: BlobReadOptions, limit: number, viaMirrors: boolean): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of await this.#stream(options, viaMirrors)) {
      total += (chunk as Buffer).length;
      if (total > limit) {
        throw new SizeMismatchError(
          `blob ${this.digest} is larger than the ${limit} bytes read into memory; stream it or save it to a file`,
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async text(options: BlobReadOptions = {}): Promise<string> {
    return (await this.bytes(options)).toString("utf8");
  }

  async json<T = unknown>(options: BlobReadOptions = {}): Promise<T> {
    return JSON.parse(await this.text(options)) as T;
  }

  /** Size by HEAD (the Ruby gem's `blob_size`), or undefined when the registry does not have the blob. */
  async size(given: { signal?: AbortSignal } = {}): Promise<number | undefined> {
    return (await targetBlob(this.ctx, this.repository, this.digest, given, ["pull"]))?.size;
  }

  /** Whether the registry has this blob in this repository. */
  async exists(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.size(options)) !== undefined;
  }

  /** A short description for REPL and logs; never dumps the content. */
  toString(): string {
    return `Blob ${this.repository.name}@${this.digest}${this.expectedSize !== undefined ? ` (${this.expectedSize} bytes)` : ""}`;
  }
}

/**
 * HEAD of a blob, asked with `actions`: `pull` for a read ({@link BlobHandle.size}); a push or copy that looks at its
 * target asks {@link PUSH_ACTIONS}, so a refusal names the push it is part of, not a pull.
 */
export async function targetBlob(
  ctx: ClientContext,
  repository: RepositoryReference,
  digest: string,
  given: { signal?: AbortSignal },
  actions: readonly string[] = PUSH_ACTIONS,
): Promise<BlobHead | undefined> {
  assertOpen(ctx, `blob ${digest}`);
  const options = withClientSignal(ctx, given) ?? given;
  return blobHead(ctx.transport, {
    registry: repository.registry,
    repository: repository.repository,
    digest,
    scopes: [repositoryScope(repository.repository, actions)],
    context: `check blob ${digest} in ${repository.name}`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
