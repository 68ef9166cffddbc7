/**
 * Opening a writer for a pull, whatever the format: a docker-save tarball (a file, or a stream such as stdout), an
 * OCI image layout or a plain `dir` layout, and naming what an interrupted write leaves behind for the next one to
 * resume.
 */
import { createWriteStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { quoteText, UsageError } from "@regatta/errors";
import { waitForReader, writeTarget } from "./atomic-file.js";
import { openDirWriter } from "./dir-layout.js";
import {
  openDockerArchiveFileWriter,
  openDockerArchiveStreamWriter,
  partialArchivePaths,
} from "./docker-archive-writer.js";
import type { LayoutFormat, LayoutWriter, WriterOptions } from "./layout-writer.js";
import { openOciLayoutWriter, PARTIAL_DIR } from "./oci-layout.js";
import type { PullPlan } from "./pull-plan.js";
import { lockDestination } from "./write-lock.js";

/** Opens a writer for `plan` in `format` at `destination` (a path, or a writable stream for a docker archive). */
export async function openLayoutWriter(
  format: LayoutFormat,
  destination: string | Writable,
  plan: PullPlan,
  options: WriterOptions,
): Promise<LayoutWriter> {
  if (typeof destination !== "string") {
    if (format !== "docker")
      throw new UsageError(`only the docker format can be written to a stream, not ${format}`);
    return openDockerArchiveStreamWriter(destination, plan, options);
  }
  const open = OPENERS[format];
  if (!open) throw new UsageError(`unknown format ${quoteText(format)}: use docker, oci or dir`);
  // A tarball goes where its path leads (atomic-file.ts writeTarget): a device or FIFO is streamed into, never
  // replaced by a renamed partial file (as root that made /dev/null a plain file), with no lock or resume files
  // beside it; through a symbolic link, the file it names is written, its resume files and lock beside that file.
  const target = format === "docker" ? await writeTarget(destination) : { path: destination, atomic: true };
  if (!target.atomic) return openThrough(target.path, Boolean(target.fifo), plan, options);
  // One writer at a time per destination (write-lock.ts): held from before anything is read there until the end.
  const lock = await lockDestination(target.path, {
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let writer: LayoutWriter;
  try {
    writer = await open(target.path, plan, options);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return {
    target: (blob) => writer.target(blob),
    async finish() {
      try {
        await writer.finish();
      } finally {
        await lock.release();
      }
    },
    async abort() {
      try {
        await writer.abort();
      } finally {
        await lock.release();
      }
    },
  };
}

/** A docker tarball streamed into a device or FIFO, which is opened once a FIFO has a reader; closed at the end. */
async function openThrough(
  path: string,
  fifo: boolean,
  plan: PullPlan,
  options: WriterOptions,
): Promise<LayoutWriter> {
  const reader = fifo ? await waitForReader(path, options.signal, options.onReaderWait) : undefined;
  const out = createWriteStream(path, { flags: "w" });
  const writer = await openDockerArchiveStreamWriter(out, plan, options);
  const closed = async () => {
    if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
    await reader?.close().catch(() => {});
  };
  return {
    target: (blob) => writer.target(blob),
    async finish() {
      await writer.finish();
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      await closed();
    },
    async abort() {
      await writer.abort();
      out.destroy();
      await closed();
    },
  };
}

const OPENERS: Partial<
  Record<string, (destination: string, plan: PullPlan, options: WriterOptions) => Promise<LayoutWriter>>
> = {
  docker: openDockerArchiveFileWriter,
  oci: openOciLayoutWriter,
  dir: openDirWriter,
};

/** What a failed write into `destination` leaves for the next one to resume: paths that may or may not exist. */
export function resumeDataPaths(format: LayoutFormat, destination: string): string[] {
  if (format === "docker") {
    const { temp, state } = partialArchivePaths(destination);
    return [temp, state];
  }
  return [join(destination, PARTIAL_DIR)];
}

/**
 * Those of {@link resumeDataPaths} that hold a partial download: the partial tarball, or a layout's partial
 * directory with a partial blob in it (a regular file with bytes in it, looked at without following links). What
 * merely sits at such a name (a FIFO or a link planted there, an empty directory) is none: a pull refused before it
 * downloaded anything said "the partial download is kept in …" of a directory it had not made.
 */
export async function partialDownloads(format: LayoutFormat, destination: string): Promise<string[]> {
  const holdsBytes = async (path: string) => {
    const found = await lstat(path).catch(() => undefined);
    return found?.isFile() === true && found.size > 0;
  };
  if (format === "docker") {
    const { temp } = partialArchivePaths(destination);
    return (await holdsBytes(temp)) ? [temp] : [];
  }
  const dir = join(destination, PARTIAL_DIR);
  if (!(await lstat(dir).catch(() => undefined))?.isDirectory()) return [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (await holdsBytes(join(dir, name))) return [dir];
  }
  return [];
}
