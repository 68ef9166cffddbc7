/**
 * Opening a writer for a pull, whatever the format: a docker-save tarball (a file, or a stream such as stdout), an
 * OCI image layout or a plain `dir` layout, and naming what an interrupted write leaves behind for the next one to
 * resume.
 */
import { join } from "node:path";
import type { Writable } from "node:stream";
import { UsageError } from "@regatta/errors";
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
  if (!open) throw new UsageError(`unknown format ${JSON.stringify(format)}: use docker, oci or dir`);
  // One writer at a time per destination (write-lock.ts): held from before anything is read there until the end.
  const lock = await lockDestination(destination, {
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let writer: LayoutWriter;
  try {
    writer = await open(destination, plan, options);
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
