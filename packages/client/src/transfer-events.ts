/**
 * The one progress vocabulary of every transfer (issue 11, item 5): copy, pull, push, pushBlob and blob reads all
 * call `onProgress` with a {@link TransferEvent}, so a display (the CLI's bars) renders one shape, as every
 * transfer of go-containerregistry speaks `v1.Update` and every one of regclient `CallbackState` x `CallbackKind`.
 *
 * The order: one `plan` (verbs that move several blobs; a single blob has none), then per blob `started`, `bytes`
 * as they move and `done`, or instead one of `skipped` / `mounted`; then the manifests.
 */

/** A blob as the events name it. */
export interface TransferBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** Pull only: what the blob is to the image. */
  kind?: "config" | "layer";
}

/**
 * What happened to a blob:
 * - `started`: the transfer begins, or resumes: `bytes` is where (more than 0 when a partial download is taken up);
 * - `bytes`: more bytes moved: `bytes` is this blob's running total;
 * - `done`: all of it moved and was verified;
 * - `skipped`: nothing moved: the target has it (a registry's HEAD, a pull's file already in place), or, `foreign`,
 *   it is a Docker foreign layer that lives elsewhere and is never copied;
 * - `mounted`: the registry linked it from another repository (`from`): nothing moved.
 */
export type BlobState = "started" | "bytes" | "done" | "skipped" | "mounted";

/** What a manifest became: put to a registry, already there (skipped), or written to disk by a pull. */
export type ManifestState = "pushed" | "skipped" | "written";

/** A progress event of a transfer; see the module comment for the order. */
export type TransferEvent =
  | {
      type: "plan";
      /** The blobs to move, deduplicated. */
      blobs: TransferBlob[];
      /** Their total size. */
      bytes: number;
      /** Manifests to put (copy, push) or write (pull). */
      manifests: number;
    }
  | {
      type: "blob";
      state: BlobState;
      /**
       * Absent only while `pushBlob` streams content whose digest it is computing (a stream given without one); its
       * last event (`done`) has it.
       */
      digest?: string;
      /** Absent only when `pushBlob` was given a stream of unknown length. */
      size?: number;
      mediaType?: string;
      /** Pull only: what the blob is to the image. */
      kind?: "config" | "layer";
      /** Bytes of this blob moved so far (for `started`: where the transfer starts). */
      bytes: number;
      /** `mounted`: the repository (`registry/name`) it was mounted from. */
      from?: string;
      /** `skipped`: a Docker foreign layer, never copied. */
      foreign?: true;
    }
  | {
      /** Another process is writing the same file or layout: this transfer waits for it before it starts. */
      type: "waiting";
      destination: string;
      /** That process's id. */
      holder: number;
      /** The lock file it holds (remove it if that process is no pull). */
      lock: string;
    }
  | {
      /** The destination is a FIFO nobody has read for a second: this transfer waits for a reader before it starts. */
      type: "waiting";
      destination: string;
      reader: true;
    }
  | {
      type: "manifest";
      state: ManifestState;
      digest: string;
      mediaType: string;
      /** Where it went: `registry/repo:tag` or `registry/repo@digest`. */
      reference?: string;
    };

/** The `blob` events of {@link TransferEvent}. */
export type BlobEvent = Extract<TransferEvent, { type: "blob" }>;

/** The callback every transfer takes. */
export type OnTransferProgress = (event: TransferEvent) => void;

/** One blob's events: `started` comes before its first bytes (a mount or a HEAD that settles it sends none). */
export interface BlobReporter {
  /** This blob's bytes moved so far. */
  bytes(moved: number): void;
  /** The last event: `done`, `skipped` or `mounted`, with what is known by then (a computed digest, `from`). */
  end(state: "done" | "skipped" | "mounted", bytes: number, more?: Partial<BlobEvent>): void;
}

/** A {@link BlobReporter} for `blob` (digest, size, media type as known), emitting to `onProgress` when given. */
export function blobReporter(
  onProgress: OnTransferProgress | undefined,
  blob: Omit<BlobEvent, "type" | "state" | "bytes">,
): BlobReporter {
  let started = false;
  return {
    bytes(moved) {
      if (!onProgress) return;
      if (!started) {
        started = true;
        onProgress({ type: "blob", state: "started", ...blob, bytes: 0 });
      }
      onProgress({ type: "blob", state: "bytes", ...blob, bytes: moved });
    },
    end(state, bytes, more = {}) {
      onProgress?.({ type: "blob", state, ...blob, ...more, bytes });
    },
  };
}
