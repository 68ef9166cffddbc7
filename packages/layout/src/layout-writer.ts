/**
 * What writing an image to disk is, whatever the format: a writer hands out one {@link BlobTarget} per blob (the
 * place its bytes go, which a resumable download fills from wherever it stopped) and writes the manifests once every
 * blob is in place. The download itself needs a registry and lives in the client (`fetchBlob`).
 */
import type { ChunkSink } from "./chunk-writer.js";
import type { PlannedBlob } from "./pull-plan.js";

/** The on-disk formats Regatta pulls to and pushes from. */
export type LayoutFormat = "docker" | "oci" | "dir";

/** Where a blob's bytes go, and what of them is already there. */
export interface BlobTarget {
  /** `complete` when the blob is already in place (and was verified when it was put there), else the bytes held. */
  held(): Promise<"complete" | number>;
  /** The first `bytes` held, to hash before the rest is fetched. */
  prefix(bytes: number): AsyncIterable<Uint8Array>;
  /** A sink that writes from byte `offset` of the blob on (what lies beyond `offset` is dropped). */
  open(offset: number): Promise<ChunkSink>;
  /** The bytes written have been verified: put them in place (rename, or mark done). */
  commit(): Promise<void>;
  /** Forget what is held (a prefix that did not verify). */
  reset(): Promise<void>;
}

/** Options every writer takes. */
export interface WriterOptions {
  /** `fdatasync` each file before it is renamed into place, so a power cut cannot leave a torn file. Default false. */
  sync?: boolean;
  /** Called when the writer can no longer go on (e.g. the stdout reader went away): the pull stops its downloads. */
  onFatal?: (error: unknown) => void;
  /** Called once when another process is writing the same destination and this writer waits for it (write-lock.ts). */
  onWait?: (holder: number, lock: string) => void;
  /** Called once when the destination is a FIFO that has had no reader for a second (atomic-file.ts waitForReader). */
  onReaderWait?: () => void;
  /** Stops that wait. */
  signal?: AbortSignal;
}

/** Writes one pull in one format: where each blob goes, then the manifests and indexes once all are in place. */
export interface LayoutWriter {
  /** Where a blob's bytes go. Blobs are fetched in the plan's order, several at a time. */
  target(blob: PlannedBlob): BlobTarget;
  /** Every blob is in place: write manifests and indexes and move the result under its final name. */
  finish(): Promise<void>;
  /** The pull failed or was aborted: keep what a later pull can resume, remove the rest. */
  abort(): Promise<void>;
}
