/**
 * Reading response bodies without trusting the server: every read is capped (64 KiB for errors and tokens, 4 MiB by
 * default for manifests and JSON) so a hostile registry cannot exhaust memory, and every body is either read or
 * dumped so the keep-alive connection goes back to the pool.
 */
import { Readable } from "node:stream";
import { ProtocolError } from "@regatta/errors";
import { decodeText } from "./charset.js";

/** Cap for error bodies and token answers. */
export const ERROR_BODY_LIMIT = 64 * 1024;
/** Default cap for `text()`, `bytes()` and `json()`: the largest manifest registries accept is 4 MiB. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Reads a body into memory, failing with ProtocolError `BODY_TOO_LARGE` (and destroying the stream) past `limit`
 * bytes. Stream errors are passed through `mapError`, so a body timeout becomes a TimeoutError. `request`, when
 * given, is the redacted request the error names, as every error built from an answer does.
 */
export async function readBody(
  body: Readable,
  limit: number,
  mapError: (err: unknown) => unknown = (e) => e,
  what = "response body",
  request?: { method: string; url: string },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      // Stryker disable next-line ConditionalExpression: Buffer.from of a Buffer is a copy of the same bytes
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      total += buf.length;
      if (total > limit) {
        body.destroy();
        throw new ProtocolError(
          `${what} is larger than ${limit} bytes${request ? ` (${request.method} ${request.url})` : ""}`,
          {
            code: "BODY_TOO_LARGE",
            ...(request ? { request } : {}),
          },
        );
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw mapError(err);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads at most `limit` bytes as text, in the charset `contentType` declares ({@link decodeText}), and never throws:
 * for error bodies, where a partial body is still useful.
 */
export async function readErrorBody(
  body: Readable,
  contentType?: string,
  limit = ERROR_BODY_LIMIT,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      // Stryker disable next-line ConditionalExpression: Buffer.from of a Buffer is a copy of the same bytes
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(buf.subarray(0, Math.max(0, limit - total)));
      total += buf.length;
      if (total >= limit) break; // breaking out of for-await destroys the stream: the rest is not worth reading
    }
  } catch {
    // a reset while reading an error body must not hide the status that was already received
  }
  return decodeText(Buffer.concat(chunks), contentType);
}

/**
 * Releases a body nobody wants. undici's `dump()` reads a small remainder so the socket can be reused, and destroys
 * the socket when more is left; other streams are simply destroyed.
 */
export async function dumpBody(body: Readable): Promise<void> {
  const undiciBody = body as Readable & { dump?: (opts?: { limit?: number }) => Promise<void> };
  try {
    if (typeof undiciBody.dump === "function") await undiciBody.dump({ limit: ERROR_BODY_LIMIT });
    else body.destroy();
  } catch {
    // dumping is best effort: an error here concerns a response that is already being thrown away
  }
}

/** A stand-in body for a response whose body was already read (e.g. a 401 examined before giving up). */
export function bufferedBody(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}
