import type { Stats } from "node:fs";
import { lstat, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { FileSystemError, quotePath } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";

import { fileSystemError, hasRegularFile } from "./atomic-file.js";
import { positionalWriter } from "./chunk-writer.js";
import type { BlobTarget } from "./layout-writer.js";
import { createOwnFile, ownDirectory, readRegion, renameOwnFile, reopenOwnFile } from "./own-file.js";
import { directoryInside } from "./safe-path.js";

/**
 * A blob that ends up as its own file (OCI layout, boater-style directory). Bytes go to `partial` and the file is
 * renamed to `final` only after the digest was verified, so a regular file under its final name is always a whole,
 * verified blob: finding one with the right size is enough to skip it. A `partial` left by an interrupted pull is
 * resumed when it is a file of ours (own-file.ts): a link or anything else planted at its predictable name, or at
 * its directory's, is removed, never followed. With `root`, the directory of `final` must be inside that layout
 * (safe-path.ts directoryInside): a `blobs/sha256` linked out of it is refused, not written through.
 */
export function fileTarget(
  final: string,
  partial: string,
  size: number,
  options: { sync?: boolean; root?: string } = {},
): BlobTarget {
  const partialDir = dirname(partial);
  /** The file the last open() wrote: only that one is renamed into place. */
  let written: Stats | undefined;
  return {
    async held() {
      if (await hasRegularFile(final, size)) return "complete";
      if (!(await lstat(partialDir).catch(() => undefined))) return 0;
      await ownDirectory(partialDir);
      const handle = await reopenOwnFile(partial, "read");
      if (!handle) return 0;
      try {
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    },
    async *prefix(bytes) {
      // Opened only when the transport starts hashing it, so a request that fails first leaves no file open.
      const handle = await reopenOwnFile(partial, "read");
      if (!handle) return;
      try {
        yield* readRegion(handle, 0, bytes);
      } finally {
        await handle.close();
      }
    },
    async open(offset) {
      try {
        await makeDirectories(dirname(partialDir));
        await ownDirectory(partialDir);
        const handle = offset === 0 ? await createOwnFile(partial) : await reopenOwnFile(partial);
        if (!handle) {
          throw new FileSystemError(`${quotePath(partial)} went away while it was resumed`, {
            code: "NOT_OURS",
            path: partial,
          });
        }
        try {
          const held = await handle.stat();
          if (held.size < offset) {
            throw new FileSystemError(`${quotePath(partial)} is shorter than when it was resumed`, {
              code: "NOT_OURS",
              path: partial,
            });
          }
          if (offset > 0) await handle.truncate(offset);
          written = held;
        } catch (error) {
          await handle.close();
          throw error;
        }
        return positionalWriter(handle, offset, { sync: options.sync ?? false, path: partial });
      } catch (error) {
        throw fileSystemError(error, partial);
      }
    },
    async commit() {
      if (options.root !== undefined) await directoryInside(options.root, dirname(final));
      else
        await makeDirectories(dirname(final)).catch((error: unknown) => {
          throw fileSystemError(error, final);
        });
      if (!written) throw new Error(`internal: ${partial} committed before it was written`);
      await renameOwnFile(written, partial, final);
    },
    async reset() {
      await rm(partial, { force: true });
    },
  };
}
