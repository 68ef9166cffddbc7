/**
 * What the registry told an upload about itself, and the rules an upload follows from it: how to go on after a
 * failed request ({@link recoveryFor}), the chunk size it takes (its `OCI-Chunk-Min-Length`, and smaller chunks
 * after a body was refused as too large), and which refusal explains a connection cut after it. uploads.ts holds
 * one {@link UploadTerms} per upload and tells it each request and failure; it asks it for the chunk size and for the
 * error to report.
 */
import {
  DigestMismatchError,
  RegattaError,
  type RegattaErrorOptions,
  RegistryError,
  RegistryUnreachableError,
  SizeMismatchError,
} from "@regatta/errors";
import type { RegistryRequest } from "@regatta/transport";

/**
 * The largest chunk a registry that refused a body as too large (413, or 411 for a missing length) is sent: a quarter
 * of what it refused, at most this, and a quarter again on each refusal after. A chunk is held in memory until the
 * registry takes it, so a bound keeps memory flat whatever the blob's size (a quarter of a 400 MiB blob was 100 MiB,
 * and the process peaked near twice a streamed copy's; QA H7); 16 MiB is below the body limits proxies are commonly
 * set to while a blob of gigabytes still goes in some hundreds of requests. A registry whose minimum chunk
 * (`OCI-Chunk-Min-Length`) is larger gets its minimum.
 */
export const MAX_FALLBACK_CHUNK = 16 * 1024 * 1024;

/**
 * How to go on after a failed request of an upload. `refetch`: the bytes were wrong (a source that failed its
 * digest or size, or a registry that computed another digest); a source that fetches them again (a copy's
 * download) gets one more go from byte 0 in a new session, since one flipped bit in transit should not fail a copy.
 * (`smaller`, a body refused as too large, is taken care of by {@link UploadTerms.failed}, which answers `resync`.)
 */
export type Recovery = "resync" | "restart" | "smaller" | "refetch" | "fatal";

export function recoveryFor(err: unknown): Recovery {
  if (!(err instanceof RegattaError)) return "fatal";
  if (err instanceof DigestMismatchError || err instanceof SizeMismatchError) return "refetch";
  // Stryker disable next-line ConditionalExpression: no other error has these statuses or codes (SizeMismatchError's SIZE_INVALID is taken above)
  if (err instanceof RegistryError) {
    // 413: the body is too large for the registry or a proxy; 411: a proxy wants a Content-Length, which a
    // streamed PATCH has not: chunks carry one either way.
    if (err.status === 413 || err.status === 411) return "smaller";
    // Stryker disable next-line StringLiteral: any answer but resync takes the way of a restart below; the name is for the reader
    if (err.code === "BLOB_UPLOAD_UNKNOWN" || err.code === "BLOB_UPLOAD_INVALID") return "restart";
    if (err.code === "DIGEST_INVALID" || err.code === "SIZE_INVALID") return "refetch";
    if (err.status === 416) return "resync";
  }
  return err.retryable ? "resync" : "fatal";
}

/** A 4xx that refuses the request's form (not its credentials, not a rate limit): worth another way. */
export function isRefusal(status: number | undefined): boolean {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a RegistryError made from an answer always has its status, and it is no 2xx or 3xx
  return status !== undefined && status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

/**
 * An upload that gave up on a cut connection after the registry had refused a request of it: the registry's refusal,
 * typed as it was (its status, code and request), saying what the attempts after it ended in.
 */
function refusedThenCut(refusal: RegistryError, cut: RegistryUnreachableError, what: string): RegistryError {
  const Kind = refusal.constructor as new (message: string, options: RegattaErrorOptions) => RegistryError;
  const then = cut.message.startsWith(`${what}: `) ? cut.message.slice(what.length + 2) : cut.message;
  return new Kind(`${refusal.message}; tried again, the connection was cut: ${then}`, {
    code: refusal.code,
    ...(refusal.status !== undefined ? { status: refusal.status } : {}),
    errors: refusal.errors,
    ...(refusal.request ? { request: refusal.request } : {}),
    ...(refusal.hint ? { hint: refusal.hint } : {}),
    cause: cut,
  });
}

/** `OCI-Chunk-Min-Length`: the smallest chunk the registry takes (all but the last). */
function minChunkOf(headers: Record<string, string>): number {
  return Number(headers["oci-chunk-min-length"]) || 0;
}

/** What the request in flight carries: a streamed body (no Content-Length), sized bytes, or nothing. */
type Carrying = "stream" | "sized" | "nothing";

/** What one upload learnt from the registry's answers (and lost answers), and the chunk size that follows from it. */
export class UploadTerms {
  #chunkSize: number | undefined;
  #minChunk = 0;
  /**
   * The last refusal (a 4xx) the registry answered a request of this upload with. A registry that refuses a request
   * carrying bytes without reading them (a chunk with a Content-Range it does not take) and closes the
   * connection makes the client's write fail (EPIPE) while its answer is still unread, and Node drops that answer
   * with the socket (measured: 15 of 20 PATCHes of 4 MiB to such a server ended in EPIPE without the 416 being
   * read). Tried again, the same request fails either way; the upload then reports the registry's word, not the cut.
   */
  #refusal: RegistryError | undefined;
  /**
   * Whether the registry (or a proxy in front of it) may refuse bodies by size: it answered a request of this upload
   * 413 or 411, or cut a streamed PATCH (no Content-Length) whose answer was lost. A proxy that refuses a body without
   * reading it and closes (nginx's `client_max_body_size`) makes the write fail (EPIPE) and Node drops its answer
   * with the socket: 3 of 4 copies of a 400 MiB blob saw only a cut where a 413 had been sent (QA H7). Once so, a cut
   * of a request carrying bytes is taken as a refusal of its size, and the next try sends smaller chunks, as docker
   * and crane fall back to chunks when the monolithic upload fails; a cut the size did not cause costs smaller chunks
   * only.
   */
  #sizeRefused = false;
  #carrying: Carrying = "nothing";
  /** The last failure's cut while sending bytes, with what the registry held then; see {@link resynced}. */
  #cutSending: { streamed: boolean; held: number } | undefined;

  /**
   * @param chunkSize the chunk size asked for (undefined: no chunks until a refusal asks for them)
   * @param size the blob's size, when known (a first refusal of a body asks for a quarter of what is left of it)
   */
  constructor(
    chunkSize: number | undefined,
    private readonly size: number | undefined,
  ) {
    this.#chunkSize = chunkSize;
  }

  /** The size of the chunks to send; undefined: no chunks (one body). */
  get chunkSize(): number | undefined {
    return this.#chunkSize;
  }

  /** A session was opened (again): its answer's minimum chunk holds from now on. */
  opened(headers: Record<string, string>): void {
    this.#minChunk = minChunkOf(headers);
    if (this.#chunkSize !== undefined) this.#chunkSize = Math.max(this.#chunkSize, this.#minChunk);
  }

  /** A request goes out with `body` (`length` when it has a Content-Length). */
  sending(body: RegistryRequest["body"], length: number | undefined): void {
    this.#carrying = body === undefined ? "nothing" : length === undefined ? "stream" : "sized";
  }

  /** The request in flight was answered and its answer read. */
  sent(): void {
    this.#carrying = "nothing";
  }

  /** The registry took bytes: an older refusal no longer explains a later failure. */
  took(): void {
    this.#refusal = undefined;
  }

  /**
   * A request of the upload failed with `err` while the session held `held` bytes: notes what the failure says of the
   * registry, and answers how to go on. A body refused as too large (413/411) makes the chunks smaller and answers
   * `resync`.
   */
  failed(err: unknown, held: number): Recovery {
    if (err instanceof RegistryError && isRefusal(err.status)) this.#refusal = err;
    else if (!(err instanceof RegistryUnreachableError)) this.#refusal = undefined;
    const recovery = recoveryFor(err);
    /**
     * A cut while sending bytes may be a refusal whose answer was lost (see #sizeRefused); it is taken as one when
     * the registry then holds none of them (a registry that read and kept part of a body did not refuse its size).
     */
    this.#cutSending =
      err instanceof RegistryUnreachableError &&
      err.request?.method !== "GET" && // a source's download cut is no answer of this registry
      this.#carrying !== "nothing"
        ? { streamed: this.#carrying === "stream", held }
        : undefined;
    if (recovery !== "smaller") return recovery;
    this.#sizeRefused = true;
    this.#smaller(held);
    return "resync";
  }

  /**
   * The session holds `held` bytes after the last failure: a cut while sending that left it holding none of them is
   * a refusal of the body's size whose answer was lost, after a streamed PATCH or once a size was refused.
   */
  resynced(held: number): void {
    const cut = this.#cutSending;
    if (cut && held === cut.held && (cut.streamed || this.#sizeRefused)) {
      this.#sizeRefused = true;
      this.#smaller(held);
    }
  }

  /**
   * The error an upload that gives up on `err` reports: a cut after a refusal is the refusal, typed as it was, with
   * the cut as its cause.
   */
  reported(err: unknown, what: string): unknown {
    return this.#refusal && err instanceof RegistryUnreachableError
      ? refusedThenCut(this.#refusal, err, what)
      : err;
  }

  /** A body too large for the registry (or a proxy in front of it): a quarter of what was refused, in chunks of at
   * most MAX_FALLBACK_CHUNK (a stream of unknown size starts there). */
  #smaller(held: number): void {
    const refused = this.#chunkSize ?? (this.size !== undefined ? this.size - held : 4 * MAX_FALLBACK_CHUNK);
    this.#chunkSize = Math.max(Math.min(Math.ceil(refused / 4), MAX_FALLBACK_CHUNK), this.#minChunk, 1);
  }
}
