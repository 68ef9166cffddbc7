/**
 * Downloading one blob into a place on disk, resumably. What "a place" is — a file renamed into a layout, or a
 * region of a tarball laid out in advance — is a {@link BlobTarget}; this file is the part they share: ask the
 * target what it already holds, continue from there with an HTTP Range request (the transport hashes the held
 * prefix first, so the digest still covers the whole blob), write the chunks, and commit only once the digest has
 * been verified. A resumed prefix that turns out wrong is thrown away and the blob fetched again from the start.
 */
import {
  AbortError,
  abortedError,
  DigestMismatchError,
  RegattaError,
  RegistryUnreachableError,
  SizeMismatchError,
  TimeoutError,
} from "@regatta/errors";
import type { BlobTarget, ChunkSink } from "@regatta/layout";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { readThroughMirrors } from "../mirrors.js";
import { blobGet } from "../registry-api/blobs.js";

/** A blob to fetch: its descriptor and where it goes. */
export interface BlobJob {
  digest: string;
  size: number;
  target: BlobTarget;
}

/** How a blob got there. */
export type BlobOutcome = "downloaded" | "resumed" | "cached";

export interface FetchHooks {
  signal?: AbortSignal;
  /** The download starts (or resumes at `offset`). */
  onStart?: (offset: number) => void;
  /** More bytes arrived (beyond the held prefix). */
  onBytes?: (bytes: number) => void;
  /** Attempts on a broken connection, each resuming where the last stopped. Default 3. */
  attempts?: number;
}

/** Whether a failure mid-blob is worth another attempt from where it stopped. */
function transient(error: unknown): boolean {
  if (error instanceof AbortError) return false;
  if (error instanceof RegistryUnreachableError) return true;
  // A stall (idle timeout) is the user's limit on silence and is not retried (issue 10, item 8); a connect timeout is.
  if (error instanceof TimeoutError) return error.retryable;
  if (error instanceof RegattaError) return error.retryable;
  const code = (error as { code?: unknown })?.code;
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE";
}

/**
 * Fetches one blob into its target: nothing when it is already complete, the missing part when a prefix is held,
 * the whole blob otherwise. Size and digest are checked by the transport as bytes arrive; `commit` runs only once
 * both matched.
 */
export async function fetchBlob(
  ctx: ClientContext,
  repository: RepositoryReference,
  job: BlobJob,
  hooks: FetchHooks = {},
): Promise<BlobOutcome> {
  const { target } = job;
  const first = await target.held();
  if (first === "complete") return "cached";
  let held = first;
  if (held > job.size) {
    await target.reset();
    held = 0;
  }
  const resumed = held > 0;
  let attemptsLeft = hooks.attempts ?? 3;
  let refetched = false;
  for (;;) {
    // Typed (ABORTED), never the signal's raw reason (QA library6 F1).
    if (hooks.signal?.aborted) throw abortedError(hooks.signal, `get blob ${job.digest}`);
    hooks.onStart?.(held);
    let sink: ChunkSink | undefined;
    let written = held;
    try {
      const get = (registry: string) =>
        blobGet(ctx.transport, {
          registry,
          repository: repository.repository,
          digest: job.digest,
          size: job.size,
          ...(held > 0 ? { offset: held, prefix: target.prefix(held) } : {}),
          ...(hooks.signal ? { signal: hooks.signal } : {}),
          context: `get blob ${job.digest} from ${repository.name}`,
        });
      // Mirrors first (mirrors.ts), except for the fetch after wrong bytes: that one asks the registry itself.
      const download = refetched
        ? await get(repository.registry)
        : await readThroughMirrors(ctx, repository.registry, get, hooks.signal);
      // A small blob can arrive, fail its digest check and error before the sink below is open and the loop reads
      // it: without a listener that error would be uncaught and end the process. The loop still sees it.
      download.stream.on("error", () => {});
      sink = await target.open(held);
      for await (const chunk of download.stream) {
        const bytes = chunk as Uint8Array;
        const wait = sink.write(bytes);
        if (wait) await wait;
        written += bytes.byteLength;
        hooks.onBytes?.(bytes.byteLength);
      }
      const open = sink;
      sink = undefined;
      await open.close();
      await target.commit();
      return resumed ? "resumed" : "downloaded";
    } catch (error) {
      // Keep what arrived (it is a prefix of the stream, checked when the blob is complete) unless it is known bad.
      await sink?.close().catch(() => {});
      const badContent = error instanceof DigestMismatchError || error instanceof SizeMismatchError;
      if (badContent) {
        await target.reset();
        // A prefix from an earlier run, or bytes damaged on the way, may be what was wrong: one more fetch from
        // byte 0 settles it; content that is wrong twice is what the registry serves (issue 10, item 9).
        if (!refetched && !hooks.signal?.aborted) {
          refetched = true;
          held = 0;
          continue;
        }
        throw error;
      }
      if (hooks.signal?.aborted || !transient(error) || --attemptsLeft <= 0) throw error;
      const now = await target.held();
      held = typeof now === "number" ? Math.min(now, written) : 0;
    }
  }
}
