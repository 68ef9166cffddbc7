/**
 * The destination lock of a pull (one writer at a time per tarball, layout or file): `@regatta/errors/write-lock`,
 * shared with the credential store, its failures worded as this package's other file errors.
 */
import {
  lockDestination as lockFile,
  lockPathOf,
  type WriteLock,
  type WriteLockOptions,
} from "@regatta/errors/write-lock";
import { fileSystemError } from "./atomic-file.js";

export { lockPathOf, type WriteLock, type WriteLockOptions };

/** Takes the lock of `destination`, waiting while a live process holds it. */
export function lockDestination(destination: string, options: WriteLockOptions = {}): Promise<WriteLock> {
  return lockFile(destination, {
    lockError: (error, path) => fileSystemError(error, path, "locking"),
    ...options,
  });
}
