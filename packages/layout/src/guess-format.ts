/**
 * Which format a path means, when the caller does not say: `.tar` (or any existing file, or a stream) is a docker
 * archive, a directory with an `oci-layout` file an OCI layout, a directory with a `manifest` file boater's plain
 * layout. A new directory becomes an OCI layout, the format every other tool reads.
 */
import type { Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { quotePath, shellWord, UsageError } from "@regatta/errors";
import { notRegularFile } from "@regatta/errors/foreign-file";
import { skopeoTransport } from "@regatta/reference";
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
  const found = await sourceStat(source);
  if (found.isFile()) return "docker";
  if (found.isDirectory()) {
    const format = await directoryFormat(source);
    if (format) return format;
    throw new UsageError(
      `${quotePath(source)} is neither an OCI layout (oci-layout file) nor a dir layout (manifest file)`,
    );
  }
  throw new UsageError(
    `cannot read ${quotePath(source)}: it is ${notRegularFile(found)}, neither a docker archive (a file) nor a layout (a directory)`,
  );
}

/** skopeo's transports for an image on disk, and the format Regatta reads each as (an oci-archive is a tarball). */
const SKOPEO_LOCAL: Record<string, LayoutFormat> = {
  "docker-archive": "docker",
  "oci-archive": "docker",
  oci: "oci",
  dir: "dir",
};

/**
 * What is at the local source `source` (links followed), or a UsageError when nothing is: "does not exist", with
 * the path to give instead when it reads as skopeo's `docker-archive:PATH`, `oci:PATH` or `dir:PATH`.
 */
async function sourceStat(source: string): Promise<Stats> {
  try {
    return await stat(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
  }
  // skopeo's PATH[:REFERENCE] (dir: takes a path alone), split by @regatta/reference's skopeoTransport: the reference
  // is which image, Regatta's --name. The words to give are quoted for the shell (a path with a space stays one).
  const found = skopeoTransport(source);
  const format = found?.path ? SKOPEO_LOCAL[found.transport] : undefined;
  const image = found?.reference !== undefined ? ` --name ${shellWord(found.reference)}` : "";
  throw new UsageError(
    `${quotePath(source)} does not exist` +
      (found && format
        ? `: a local source is a path, not skopeo's ${found.transport}: transport; give ${shellWord(found.path)}${image} (format ${format})`
        : ""),
  );
}

/**
 * Refuses a local source that is not what `format` reads, saying what it is (QA LOW #3): a docker archive is a
 * regular file (a FIFO's open would wait for a writer for ever, and a pipe cannot be read at offsets: give a stream),
 * an OCI or dir layout a directory. A missing source "does not exist"; one of the wrong kind never says so.
 */
export async function checkSourceKind(source: string, format: LayoutFormat): Promise<void> {
  const found = await sourceStat(source);
  const wantFile = format === "docker";
  if (wantFile ? found.isFile() : found.isDirectory()) return;
  const what = wantFile
    ? "a docker archive"
    : `${format === "oci" ? "an OCI" : "a dir"} layout (a directory)`;
  const kind = notRegularFile(found) ?? "a file";
  throw new UsageError(
    `cannot read ${quotePath(source)} as ${what}: it is ${kind}`,
    wantFile && !found.isDirectory()
      ? {
          hint: "a docker archive is read from a file or a stream: in the CLI, - with the archive on stdin",
        }
      : {},
  );
}
