import { createReadStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { makeDirectories } from "@regatta/errors/make-directories";

import { fileSize, fileSystemError } from "./atomic-file.js";
import { positionalWriter } from "./chunk-writer.js";
import type { BlobTarget } from "./layout-writer.js";

/**
 * A blob that ends up as its own file (OCI layout, boater-style directory). Bytes go to `partial` and the file is
 * renamed to `final` only after the digest was verified, so a file under its final name is always a whole, verified
 * blob: finding one with the right size is enough to skip it. A `partial` left by an interrupted pull is resumed.
 */
export function fileTarget(
  final: string,
  partial: string,
  size: number,
  options: { sync?: boolean } = {},
): BlobTarget {
  return {
    async held() {
      if ((await fileSize(final)) === size) return "complete";
      return (await fileSize(partial)) ?? 0;
    },
    async *prefix(bytes) {
      // Opened only when the transport starts hashing it, so a request that fails first leaves no file open.
      yield* createReadStream(partial, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 });
    },
    async open(offset) {
      try {
        await makeDirectories(dirname(partial));
        const handle = await open(partial, offset === 0 ? "w" : "r+");
        try {
          if (offset > 0) await handle.truncate(offset);
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
      try {
        await makeDirectories(dirname(final));
        await rename(partial, final);
      } catch (error) {
        throw fileSystemError(error, final);
      }
    },
    async reset() {
      await rm(partial, { force: true });
    },
  };
}
