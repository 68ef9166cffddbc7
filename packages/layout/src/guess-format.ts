/**
 * Which format a path means, when the caller does not say: `.tar` (or any existing file, or a stream) is a docker
 * archive, a directory with an `oci-layout` file an OCI layout, a directory with a `manifest` file boater's plain
 * layout. A new directory becomes an OCI layout, the format every other tool reads.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import type { LayoutFormat } from "./layout-writer.js";

async function kindOf(path: string): Promise<"file" | "directory" | "missing" | "other"> {
  try {
    const s = await stat(path);
    return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
}

/** The format of an existing directory, from the file that marks it, or undefined. */
async function directoryFormat(path: string): Promise<LayoutFormat | undefined> {
  const names = await readdir(path);
  if (names.includes("oci-layout")) return "oci";
  if (names.includes("manifest") && (await kindOf(join(path, "manifest"))) === "file") return "dir";
  return undefined;
}

/** The format to pull into `destination`. */
export async function guessPullFormat(destination: unknown): Promise<LayoutFormat> {
  if (typeof destination !== "string") return "docker";
  if (/\.tar$/i.test(destination)) return "docker";
  const kind = await kindOf(destination);
  // A device or FIFO (`/dev/null`, a named pipe) takes a stream: the tarball, written through it.
  if (kind === "file" || kind === "other") return "docker";
  if (kind === "directory") {
    const found = await directoryFormat(destination);
    if (found) return found;
    if ((await readdir(destination)).length > 0) {
      throw new UsageError(
        `cannot tell which format to write into ${quotePath(destination)} (not empty, no oci-layout or manifest file): pass --format docker|oci|dir`,
      );
    }
  }
  return "oci";
}

/** The format of what `source` holds, to push from it. */
export async function guessPushFormat(source: unknown): Promise<LayoutFormat> {
  if (typeof source !== "string") return "docker";
  const kind = await kindOf(source);
  if (kind === "file") return "docker";
  if (kind === "directory") {
    const found = await directoryFormat(source);
    if (found) return found;
    throw new UsageError(
      `${quotePath(source)} is neither an OCI layout (oci-layout file) nor a dir layout (manifest file)`,
    );
  }
  if (kind === "missing") throw new UsageError(`${quotePath(source)} does not exist`);
  throw new UsageError(`${quotePath(source)} is not a file or a directory`);
}
