import type { BlobTarget } from "./blob-fetch.js";
import type { PlannedBlob } from "./pull-plan.js";

/** The on-disk formats Regatta pulls to and pushes from. */
export type LayoutFormat = "docker" | "oci" | "dir";

/** Options every writer takes. */
export interface WriterOptions {
  /** `fdatasync` each file before it is renamed into place, so a power cut cannot leave a torn file. Default false. */
  sync?: boolean;
  /** Called when the writer can no longer go on (e.g. the stdout reader went away): the pull stops its downloads. */
  onFatal?: (error: unknown) => void;
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
