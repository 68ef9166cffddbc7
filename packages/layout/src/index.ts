/**
 * `@regatta/layout`: images on disk, with no network. Read a docker-save tarball, an OCI image layout or a plain
 * `dir` layout; write one from a pull plan, blob by blob, resumably; confined paths and atomic files underneath.
 */
export {
  fileSystemError,
  hasRegularFile,
  isDiskFull,
  writeFileAtomic,
  writeStreamAtomic,
} from "./atomic-file.js";
export type { ChunkSink } from "./chunk-writer.js";
export { guessPullFormat, guessPushFormat } from "./guess-format.js";
export { type ImageSource, type SourceBlob, type SourceImage, tagPart } from "./image-source.js";
export type { BlobTarget, LayoutFormat, LayoutWriter, WriterOptions } from "./layout-writer.js";
export { openImageSource } from "./open-image-source.js";
export { openLayoutWriter, partialDownloads, resumeDataPaths } from "./open-layout-writer.js";
export type {
  PlannedBlob,
  PlannedImage,
  PlannedReference,
  PullPlan,
  StoredManifest,
} from "./pull-plan.js";
export { openRegularFile, readFileRange, statRegularFile } from "./regular-file.js";
export { confinedPath, digestParts } from "./safe-path.js";
export { listTarEntries, type ReadAt, type TarEntry } from "./tar-format.js";
