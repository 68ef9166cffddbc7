/**
 * Opening an image on disk for reading, whatever its format: a docker-save tarball (a path or a stream), an OCI
 * image layout or a plain `dir` layout. This is what `push` reads from, and all a caller needs to inspect an image
 * without a registry.
 */
import type { Readable } from "node:stream";
import { UsageError } from "@regatta/errors";
import { openDirSource } from "./dir-layout.js";
import { openDockerArchiveSource } from "./docker-archive-reader.js";
import { checkSourceKind } from "./guess-format.js";
import type { ImageSource } from "./image-source.js";
import type { LayoutFormat } from "./layout-writer.js";
import { openOciLayoutSource } from "./oci-layout.js";

/** Opens `source` in `format` (see `guessPushFormat` to pick the format from what is on disk). */
export async function openImageSource(source: string | Readable, format: LayoutFormat): Promise<ImageSource> {
  // What is there is said before it is opened: a FIFO is not waited on, a file is not "not an OCI layout".
  if (typeof source === "string") await checkSourceKind(source, format);
  if (format === "docker") return openDockerArchiveSource(source);
  if (typeof source !== "string")
    throw new UsageError(`only a docker archive can be read from a stream, not ${format}`);
  return format === "oci" ? openOciLayoutSource(source) : openDirSource(source);
}
