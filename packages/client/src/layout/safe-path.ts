/**
 * Names that come from a registry or from an archive never become paths unchecked. A digest like `sha256:../../x`,
 * a tag like `a/../../b`, or a tar entry like `../../etc/passwd` must not let a pull or a push read or write outside
 * the directory it was given. Every path the layout code builds from such a name goes through this file.
 */
import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import { UsageError } from "@regatta/errors";
import { parseDigest } from "@regatta/manifest";
import { isValidTag } from "@regatta/reference";

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
      throw new UsageError(`refusing to use ${JSON.stringify(part)} as a file name under ${root}`);
    }
  }
  const base = resolve(root);
  const path = resolve(base, ...parts);
  const rel = relative(base, path);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    throw new UsageError(`refusing a path outside ${root}: ${parts.join("/")}`);
  }
  return path;
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
  if (!isValidTag(tag)) throw new UsageError(`invalid tag ${JSON.stringify(tag)}`);
  return tag;
}

/**
 * Normalises the name of an entry inside a tar archive (or a path an archive's `manifest.json` points to) to a
 * relative POSIX path, refusing absolute paths and any `..` that climbs above the archive's root. `dir` is the
 * directory a relative symlink target is resolved from.
 * @throws UsageError for a name that escapes the archive.
 */
export function archivePath(name: string, dir = ""): string {
  if (name.includes("\0"))
    throw new UsageError(`archive entry name with a NUL byte: ${JSON.stringify(name)}`);
  if (name.startsWith("/"))
    throw new UsageError(`archive entry with an absolute path: ${JSON.stringify(name)}`);
  const joined = posix.normalize(posix.join(dir, name));
  if (joined === ".." || joined.startsWith("../")) {
    throw new UsageError(`archive entry escapes the archive: ${JSON.stringify(name)}`);
  }
  return joined.replace(/^\.\//, "").replace(/\/$/, "");
}
