/**
 * Paths inside an image's filesystem. Every name that comes from a layer, and every path a caller asks for, is
 * brought to one canonical form before it is compared or written: absolute, `/`-separated, `.`/`..`/`//` resolved
 * lexically with `..` stopping at the root (as containerd's `fs.RootPath` and the kernel under chroot do), no
 * trailing `/`. So `./etc//passwd`, `etc/passwd/` and `../../etc/passwd` are all `/etc/passwd`: an entry can name a
 * file of the image, never one outside it.
 */
import { posix } from "node:path";
import { quoteText, UsageError } from "@regatta/errors";

/** The image's root, the one path that has no parent. */
export const ROOT = "/";

/** The OCI whiteout prefix: `.wh.<name>` deletes `<name>` of the layers below. */
const WHITEOUT_PREFIX = ".wh.";
/** The opaque marker: the directory holding it shows nothing of the layers below. */
const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * The canonical form of a path in the image (see the module comment).
 * @throws UsageError for a path with a NUL byte, which no file system can hold.
 */
export function imagePath(name: string): string {
  if (name.includes("\0")) throw new UsageError(`refusing a path with a NUL byte: ${quoteText(name)}`);
  const clean = posix.normalize(`/${name}`);
  return clean.length > 1 && clean.endsWith("/") ? clean.slice(0, -1) : clean;
}

/** The directory holding `path` (the root for a top-level name). */
export function parentOf(path: string): string {
  return posix.dirname(path);
}

/** Every strict ancestor of `path`, from the root down: `/a/b/c` → `/`, `/a`, `/a/b`. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let at = path; at !== ROOT; ) {
    at = posix.dirname(at);
    out.unshift(at);
  }
  return out;
}

/** Whether `path` is `dir` or inside it. */
export function isWithin(path: string, dir: string): boolean {
  return dir === ROOT || path === dir || path.startsWith(`${dir}/`);
}

/** What a layer entry's name says besides a file: a whiteout of a path, or a directory made opaque. */
export type Marker =
  | { kind: "whiteout"; path: string }
  | { kind: "opaque"; dir: string }
  | { kind: "ignored" };

/**
 * The marker an entry's (canonical) name is, if any. `.wh..wh..opq` makes its directory opaque, `.wh.NAME` deletes
 * NAME; other `.wh..wh.` names are AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`) that containerd skips too.
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
 */
export function markerOf(path: string): Marker | undefined {
  const base = posix.basename(path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === OPAQUE_MARKER) return { kind: "opaque", dir: parentOf(path) };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: "ignored" };
  return { kind: "whiteout", path: posix.join(parentOf(path), base.slice(WHITEOUT_PREFIX.length)) };
}

/**
 * Where a symbolic link at `link` pointing at `target` leads, inside the image: an absolute target from the image's
 * root (never the host's), a relative one from the link's directory, `..` stopping at the root.
 */
export function linkDestination(link: string, target: string): string {
  return imagePath(target.startsWith("/") ? target : posix.join(parentOf(link), target));
}

/** The name an entry at canonical `path` gets in an exported tar: relative, as `docker export` and crane write. */
export function tarName(path: string): string {
  return path.slice(1);
}
