/**
 * The one way Regatta reads a local file a user names and that it reads whole (a sync config, a CA, a client
 * certificate or key, the hosts config, a `--from-file` list, a manifest, a key): opened without blocking, then
 * fstat'ed, so that a FIFO at the name (or a device, a directory) is refused at once in one line naming what is
 * there. A blocking open() of a FIFO waits for a writer on libuv's thread pool, and Node's exit joins that pool: the
 * command hung for good, deaf to SIGINT and SIGTERM (QA H9). Links are followed: a user-named file may be one.
 * A subpath of its own (`@regatta/errors/user-file`), as `foreign-file`, so that the index stays free of Node's
 * modules.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { notRegularFile } from "./foreign-file.js";
import { quotePath } from "./path-text.js";
import { RegattaError, type RegattaErrorOptions, UsageError } from "./regatta-error.js";

/** O_NONBLOCK: open() of a FIFO returns at once instead of waiting for a writer; links are followed. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * A descriptor the process was handed (`/dev/stdin`, `/dev/fd/63` from `<(vault read …)`): a pipe or a terminal
 * there has its writer already, so it is read as before, blocking, to its end. A named FIFO anywhere else is refused.
 */
const HELD_DESCRIPTOR = /^\/(?:dev\/(?:stdin|fd\/\d+)|proc\/(?:self|\d+)\/fd\/\d+)$/;

/**
 * The cap on a CA bundle, a client certificate or a key a user names (`--ca-file`, the hosts config's `caFile`):
 * far more than any (a distribution's CA bundle is about 200 KiB); a larger file is refused, not read into memory.
 */
export const MAX_PEM_FILE_BYTES = 4 * 1024 * 1024;

export interface UserFileOptions {
  /** Refused beyond this many bytes: no input Regatta reads whole is large. */
  maxBytes: number;
  /**
   * How the message names the file, e.g. `--ca-file`: "--ca-file f: cannot read it (it is a FIFO)"; without a name,
   * "cannot read f: it is a FIFO".
   */
  name?: string;
  /** The error a refusal is (UsageError by default; the credentials files throw CredentialsError). */
  error?: new (
    message: string,
    options?: RegattaErrorOptions,
  ) => RegattaError;
  /** What the file is meant to be, for the size refusal: "a manifest" says "… more than a manifest can be". */
  what?: string;
  /** What a person can do about a refusal. */
  hint?: string;
  /** A missing file (ENOENT, ENOTDIR) is undefined instead of an error (a credentials file that is optional). */
  missingIsUndefined?: boolean;
}

/**
 * Why a local file could not be read, in words (`no such file`), not Node's errno text
 * (`ENOENT: no such file or directory, open '…'`), for the one line that names the file.
 */
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is not a directory";
  if (code === "ELOOP") return "too many symbolic links";
  // Not the error's message: it may quote what it read, and a credentials file holds secrets.
  return typeof code === "string" ? code : "error";
}

function refusal(path: string, why: string, options: UserFileOptions, cause?: unknown): RegattaError {
  const ErrorKind = options.error ?? UsageError;
  const message = options.name
    ? `${options.name} ${quotePath(path)}: cannot read it (${why})`
    : `cannot read ${quotePath(path)}: ${why}`;
  return new ErrorKind(message, {
    ...(options.hint ? { hint: options.hint } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Why what fstat found at `path` is not read, or undefined when it is; `held` descriptors may be pipes or ttys. */
function refusedKind(found: Stats, path: string, options: UserFileOptions): string | undefined {
  if (found.isFile()) return found.size > options.maxBytes ? tooLarge(options) : undefined;
  if (HELD_DESCRIPTOR.test(path) && (found.isFIFO() || found.isCharacterDevice())) return undefined;
  return `it is ${notRegularFile(found)}`;
}

function tooLarge({ maxBytes, what }: UserFileOptions): string {
  return `it holds more than ${maxBytes} bytes${what ? `: more than ${what} can be` : ""}`;
}

/**
 * The bytes of the file a user named at `path`, read whole; a FIFO, socket, directory or device at the name, a file
 * above `maxBytes`, or one that cannot be opened is a one-line typed error naming it, never waited on.
 */
export async function readUserFile(path: string, options: UserFileOptions): Promise<Buffer>;
export async function readUserFile(
  path: string,
  options: UserFileOptions & { missingIsUndefined: true },
): Promise<Buffer | undefined>;
export async function readUserFile(path: string, options: UserFileOptions): Promise<Buffer | undefined> {
  // node:fs/promises on the first read, not when the CLI's option parsing loads this module.
  const { open } = await import("node:fs/promises");
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    if (options.missingIsUndefined && isMissing(error)) return undefined;
    throw refusal(path, whyUnreadable(error), options, error);
  }
  let chunks: Buffer[];
  try {
    const found = await handle.stat();
    const why = refusedKind(found, path, options);
    if (why) throw refusal(path, why, options);
    if (!found.isFile()) {
      // A held pipe or terminal: read blocking, as it always was (the non-blocking handle would say EAGAIN).
      await handle.close();
      return await readHeldDescriptor(path, options);
    }
    chunks = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > options.maxBytes) throw refusal(path, tooLarge(options), options);
      chunks.push(buffer.subarray(0, bytesRead));
    }
  } catch (error) {
    throw isRegatta(error) ? error : refusal(path, whyUnreadable(error), options, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}

async function readHeldDescriptor(path: string, options: UserFileOptions): Promise<Buffer> {
  const { createReadStream } = await import("node:fs");
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      total += (chunk as Buffer).length;
      if (total > options.maxBytes) throw refusal(path, tooLarge(options), options);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw isRegatta(error) ? error : refusal(path, whyUnreadable(error), options, error);
  }
  return Buffer.concat(chunks);
}

/** {@link readUserFile}, synchronously (commander's option parsing, the hosts config). */
export function readUserFileSync(path: string, options: UserFileOptions): Buffer;
export function readUserFileSync(
  path: string,
  options: UserFileOptions & { missingIsUndefined: true },
): Buffer | undefined;
export function readUserFileSync(path: string, options: UserFileOptions): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    if (options.missingIsUndefined && isMissing(error)) return undefined;
    throw refusal(path, whyUnreadable(error), options, error);
  }
  try {
    const found = fstatSync(fd);
    const why = refusedKind(found, path, options);
    if (why) throw refusal(path, why, options);
    if (!found.isFile()) {
      // A held pipe or terminal: reopened blocking, as it always was read.
      closeSync(fd);
      fd = openSync(path, constants.O_RDONLY);
    }
    return readAllSync(fd, path, options);
  } catch (error) {
    throw isRegatta(error) ? error : refusal(path, whyUnreadable(error), options, error);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}

function readAllSync(fd: number, path: string, options: UserFileOptions): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.alloc(64 * 1024);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > options.maxBytes) throw refusal(path, tooLarge(options), options);
    chunks.push(buffer.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks);
}

function isRegatta(error: unknown): error is RegattaError {
  return error instanceof RegattaError;
}
