/**
 * The streams of bytes a blob can be pushed from, as a modern Node program has them at hand: a Node `Readable`
 * (`fs.createReadStream`), a web `ReadableStream` (`(await fetch(url)).body`) or an async iterable of byte chunks (an
 * async generator). The upload reads a Node `Readable`; the others are wrapped (`Readable.fromWeb`, `Readable.from`).
 * A factory's result is checked here too, so a factory returning something else is the same UsageError the value
 * given directly is, not "stream.on is not a function" from deep inside the upload (QA library6 F4).
 */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { UsageError } from "@regatta/errors";

/** A stream of bytes the upload takes. */
export type ByteStream = Readable | WebReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

function isNodeReadable(value: unknown): value is Readable {
  const v = value as { pipe?: unknown; on?: unknown; read?: unknown } | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.pipe === "function" &&
    typeof v.on === "function" &&
    typeof v.read === "function"
  );
}

function isWebReadable(value: unknown): value is WebReadableStream<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { getReader?: unknown }).getReader === "function"
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** Whether `value` is a stream of bytes {@link toReadable} takes. */
export function isByteStream(value: unknown): value is ByteStream {
  return isNodeReadable(value) || isWebReadable(value) || isAsyncIterable(value);
}

/** A short name for what a value is, for the error that refuses it. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value === "string" ? "a string" : typeof value;
  return Array.isArray(value) ? "a list" : (value.constructor?.name ?? "an object");
}

/**
 * `value` as a Node Readable of bytes. Uint8Array chunks only: an iterable of strings or objects fails as the upload
 * reads it (a string has no single byte encoding the caller could be assumed to mean).
 */
export function toReadable(value: unknown, what: string): Readable {
  if (isNodeReadable(value)) return value;
  if (isWebReadable(value)) return Readable.fromWeb(value, { objectMode: false });
  if (isAsyncIterable(value)) return Readable.from(value, { objectMode: false });
  throw new UsageError(
    `${what} must be a readable stream (Node or web) or an async iterable of bytes, got ${describe(value)}`,
  );
}
