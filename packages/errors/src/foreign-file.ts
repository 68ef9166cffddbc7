/**
 * What is at a name Regatta makes files under, when it is not one of Regatta's own: said the one way wherever such
 * a name is refused or replaced (@regatta/errors' write lock, @regatta/layout's partial files). Anyone who may write
 * the directory can plant something at a name they can predict: a FIFO (a read waited for ever), a symbolic link (a
 * write went to its target), a file of theirs or a hard link to one of yours (a write changed the other name too).
 * A subpath of its own (`@regatta/errors/foreign-file`), as `write-lock`, so that the index stays free of Node's
 * modules.
 */
import type { Stats } from "node:fs";
import { readlink } from "node:fs/promises";
import { quotePath } from "./path-text.js";

/** What a file of Regatta's own must also be, beyond a regular file of this user's. */
export interface OwnFileRules {
  /** At most this many bytes. */
  maxBytes?: number;
  /** No other name (a hard link): a file that another name also reaches. */
  oneName?: boolean;
}

/**
 * What `found` (an fstat, which follows no link) is when it is not a regular file ("a FIFO", "a socket", "a
 * directory", "a device"), else undefined: the kind's one wording, for {@link foreignFile} and for the files a user
 * names (`./user-file`).
 */
export function notRegularFile(found: Stats): string | undefined {
  if (found.isFIFO()) return "a FIFO";
  if (found.isSocket()) return "a socket";
  if (found.isDirectory()) return "a directory";
  if (found.isCharacterDevice() || found.isBlockDevice()) return "a device";
  if (!found.isFile()) return "not a regular file";
  return undefined;
}

/**
 * What `found` (the lstat or fstat of `path`) is when it is not a file of this user's as `rules` want it ("a FIFO",
 * "a symbolic link to /x", "a directory", "a file of uid 1001, not yours", "a file with other names (hard links)"),
 * else undefined. A link's target is read for the description, never followed.
 */
export async function foreignFile(
  found: Stats,
  path: string,
  rules: OwnFileRules = {},
): Promise<string | undefined> {
  if (found.isSymbolicLink()) {
    const target = await readlink(path).catch(() => undefined);
    return target === undefined ? "a symbolic link" : `a symbolic link to ${quotePath(target)}`;
  }
  const kind = notRegularFile(found);
  if (kind) return kind;
  const uid = process.getuid?.();
  if (uid !== undefined && found.uid !== uid) return `a file of uid ${found.uid}, not yours`;
  if (rules.oneName && found.nlink !== 1) return "a file with other names (hard links)";
  if (rules.maxBytes !== undefined && found.size > rules.maxBytes) return `a file of ${found.size} bytes`;
  return undefined;
}
