/**
 * Names that come from a registry or from an archive never become paths unchecked. A digest like `sha256:../../x`,
 * a tag like `a/../../b`, or a tar entry like `../../etc/passwd` must not let a pull or a push read or write outside
 * the directory it was given. Every path the layout code builds from such a name goes through this file.
 */
import { constants } from "node:fs";
import { type FileHandle, open, realpath } from "node:fs/promises";
import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { NotFoundError, quotePath, quoteText, UsageError } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";
import { parseDigest } from "@regatta/manifest";
import { isValidRefName, isValidTag } from "@regatta/reference";
import { fileSystemError } from "./atomic-file.js";

/**
 * `[algorithm, hex]` of a digest, after checking it is one Regatta can verify (sha256 or sha512, lower-case hex of the
 * right length). Anything else — another algorithm, `..`, `/`, a NUL — is refused before it reaches a path.
 * @throws InvalidDigestError
 */
export function digestParts(digest: string): [algorithm: string, hex: string] {
  const { algorithm, hex } = parseDigest(digest);
  return [algorithm, hex];
}

/**
 * Joins `parts` under `root` and checks the result is still inside `root` (a path equal to `root` is refused too).
 * Each part must be a plain name: no separators, no `.`/`..`, no NUL.
 * @throws UsageError naming the part that would escape.
 */
export function confinedPath(root: string, ...parts: string[]): string {
  for (const part of parts) {
    if (
      part === "" ||
      part === "." ||
      part === ".." ||
      part.includes("/") ||
      part.includes("\\") ||
      part.includes("\0")
    ) {
      throw new UsageError(`refusing to use ${quoteText(part)} as a file name under ${quotePath(root)}`);
    }
  }
  const base = resolve(root);
  const path = resolve(base, ...parts);
  if (!isInside(base, path)) {
    throw new UsageError(`refusing a path outside ${quotePath(root)}: ${quotePath(parts.join("/"))}`);
  }
  return path;
}

/** Whether `path` is strictly inside `base` (both absolute and normalised). */
function isInside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return !(rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel));
}

// O_NOFOLLOW: a last component swapped for a link after the check is not followed. O_NONBLOCK: a FIFO planted in a
// layout does not hang the open (it is then refused as not a regular file); no effect on regular files.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Opens a file of a layout on disk (`path`, built under `root` by {@link confinedPath}) for reading, refusing one
 * that a symbolic link takes out of `root`: the realpath of the file must be inside the realpath of `root`. A link
 * that stays inside is followed: `docker save`'s own directories link a shared layer.tar to another layer's, and
 * content inside the layout is the layout's (its digest is checked anyway). A link out of it is how a hostile layout
 * would make a push upload `~/.ssh/id_rsa` or `/etc/shadow` to a registry (issue 10; the tar reader resolves links
 * inside the archive only). The resolved path is opened with O_NOFOLLOW, and checked again once open, so a link
 * swapped in between is not followed either.
 * @throws NotFoundError when the file does not exist; UsageError (code `PATH_OUTSIDE_LAYOUT`) when it leaves `root`,
 *   or is not a regular file.
 */
export async function openInside(root: string, path: string): Promise<FileHandle> {
  const [realRoot, real] = await Promise.all([realpath(root), realpath(path).catch(missing(path))]);
  const outside = () => outsideLayout("read", path, real, root);
  if (!isInside(realRoot, real)) throw outside();
  const handle = await open(real, READ_FLAGS).catch((error: NodeJS.ErrnoException) => {
    // ELOOP: the last component became a link after realpath; treat it as the escape it is.
    if (error.code === "ELOOP") throw outside();
    return missing(path)(error);
  });
  try {
    if (!(await handle.stat()).isFile()) {
      throw new UsageError(`refusing to read ${quotePath(path)}: not a regular file`, {
        code: "PATH_OUTSIDE_LAYOUT",
      });
    }
    // A directory on the way swapped for a link between realpath and open.
    if ((await realpath(real)) !== real) throw outside();
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The refusal of a layout's file or directory that a link takes out of the layout, for reading or writing. */
function outsideLayout(verb: "read" | "write", path: string, real: string, root: string): UsageError {
  return new UsageError(
    `refusing to ${verb} ${quotePath(path)}: it is a link to ${quotePath(real)}, outside ${quotePath(root)}; a layout's files must be inside it`,
    { code: "PATH_OUTSIDE_LAYOUT" },
  );
}

/**
 * Makes the directory `dir` of the layout at `root` (`blobs/sha256`) and checks, as {@link openInside} checks a file
 * before reading it, that its realpath is inside the root's: a `blobs` or `blobs/sha256` that is a link out of the
 * layout is refused before a pull writes through it (links inside are followed, as for reading).
 * @throws UsageError (code `PATH_OUTSIDE_LAYOUT`).
 */
export async function directoryInside(root: string, dir: string): Promise<void> {
  try {
    await makeDirectories(dir);
  } catch (error) {
    throw fileSystemError(error, dir);
  }
  const [realRoot, real] = await Promise.all([realpath(root), realpath(dir)]);
  if (!isInside(realRoot, real)) throw outsideLayout("write", dir, real, root);
}

function missing(path: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") {
      throw new NotFoundError(`${path} does not exist`, { code: "BLOB_UNKNOWN", cause: error });
    }
    if (error.code === "ELOOP") {
      throw new UsageError(`refusing to read ${path}: its links go round in a loop`, {
        code: "PATH_OUTSIDE_LAYOUT",
        cause: error,
      });
    }
    throw fileSystemError(error, path, "reading");
  };
}

/** The whole content of a file of a layout, read through {@link openInside}; at most `limit` bytes. */
export async function readInside(root: string, path: string, limit: number): Promise<Buffer> {
  const handle = await openInside(root, path);
  try {
    const { size } = await handle.stat();
    if (size > limit) {
      throw new UsageError(`${path} is ${size} bytes, more than the ${limit} a layout's metadata may be`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * A stream of a file of a layout, opened through {@link openInside} when the stream is first read (so an upload
 * that retries opens, and checks, afresh).
 */
export function streamInside(root: string, path: string): Readable {
  return Readable.from(
    (async function* () {
      const handle = await openInside(root, path);
      try {
        for await (const chunk of handle.createReadStream({ autoClose: false })) yield chunk as Buffer;
      } finally {
        await handle.close();
      }
    })(),
    { objectMode: false },
  );
}

/** The path of a blob in an OCI image layout: `<root>/blobs/<algorithm>/<hex>`, after checking the digest. */
export function ociBlobPath(root: string, digest: string): string {
  const [algorithm, hex] = digestParts(digest);
  return confinedPath(root, "blobs", algorithm, hex);
}

/** The name of a blob inside an archive: `blobs/<algorithm>/<hex>`, as docker ≥ 25 and OCI layouts name them. */
export function ociBlobName(digest: string): string {
  const [algorithm, hex] = digestParts(digest);
  return `blobs/${algorithm}/${hex}`;
}

/** The path of a blob in a boater-style directory: `<root>/blobs/<algorithm>:<hex>`, after checking the digest. */
export function dirBlobPath(root: string, digest: string): string {
  const [algorithm, hex] = digestParts(digest);
  return confinedPath(root, "blobs", `${algorithm}:${hex}`);
}

/** Checks a tag before it is written into an annotation or an archive's RepoTags. */
export function checkedTag(tag: string): string {
  if (!isValidTag(tag)) throw new UsageError(`invalid tag ${quoteText(tag)}`);
  return tag;
}

/** Checks the name an OCI layout's index entry is stored under (ref.name: `stable`, `example.com/app:1.0`). */
export function checkedRefName(name: string): string {
  if (!isValidRefName(name)) {
    throw new UsageError(
      `invalid image name ${quoteText(name)} for an OCI layout's ref.name (components of letters and digits joined by - . _ : @ + or --, separated by /)`,
    );
  }
  return name;
}

/**
 * Normalises the name of an entry inside a tar archive (or a path an archive's `manifest.json` points to) to a
 * relative POSIX path, refusing absolute paths and any `..` that climbs above the archive's root. `dir` is the
 * directory a relative symlink target is resolved from.
 * @throws UsageError for a name that escapes the archive.
 */
export function archivePath(name: string, dir = ""): string {
  if (name.includes("\0")) throw new UsageError(`archive entry name with a NUL byte: ${quoteText(name)}`);
  if (name.startsWith("/")) throw new UsageError(`archive entry with an absolute path: ${quoteText(name)}`);
  const joined = posix.normalize(posix.join(dir, name));
  if (joined === ".." || joined.startsWith("../")) {
    throw new UsageError(`archive entry escapes the archive: ${quoteText(name)}`);
  }
  return joined.replace(/^\.\//, "").replace(/\/$/, "");
}
