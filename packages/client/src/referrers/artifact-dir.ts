/**
 * A directory as one artifact layer, in the shape oras gives it (oras-go content/file: `descriptorFromDir`, and
 * `extractTarDirectory` on pull): a gzipped tar whose entries are named under the layer's title (`docs`,
 * `docs/a.txt`, …), media type `application/vnd.oci.image.layer.v1.tar+gzip`, and two annotations beside the
 * title: `io.deis.oras.content.digest` (the digest of the tar before gzip) and `io.deis.oras.content.unpack: "true"`.
 * oras writes uid/gid 0 and no user names, keeps modes and times, stores symbolic links as links and hard links as
 * plain files; so does Regatta. Devices, FIFOs and sockets are refused on push; each file is opened once, without
 * following a link, and must still be the file the walk saw (a name swapped meanwhile stops the pack).
 *
 * Unpacking trusts nothing of the tar: every entry must lie under the title (oras refuses others too), `..`, absolute
 * names and NUL are refused, no entry is written beneath a symbolic link, a symbolic link must point inside the
 * directory without passing through another link, a hard link must name a file already extracted, and devices and
 * FIFOs are skipped (as oras skips them) and reported. Set-id and sticky bits are dropped. Everything is written into
 * a fresh directory that the caller renames into place once the blob's digest and the tar's digest have both been
 * checked; symbolic links are made last, once every other entry is on disk, so none can redirect a write.
 */

import { createWriteStream } from "node:fs";
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { pipeline, type Readable, Transform } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import * as zlib from "node:zlib";
import { DigestMismatchError, ProtocolError, quotePath, quoteText, UsageError } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";
import { openRegularFile, readFileRange } from "@regatta/layout";
import { Digester, parseDigest } from "@regatta/manifest";
import tar from "tar-stream";
import { drained } from "../files/drained.js";

/** oras's annotation for the digest of a directory layer's tar before compression. */
export const ORAS_DIGEST_ANNOTATION = "io.deis.oras.content.digest";
/** oras's annotation saying a layer is a directory to unpack (the value `"true"`). */
export const ORAS_UNPACK_ANNOTATION = "io.deis.oras.content.unpack";
/** The media type oras gives a directory layer when none is named. */
export const DIRECTORY_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

type DirEntry =
  | { kind: "directory"; name: string; mode: number; mtime: Date }
  | {
      kind: "file";
      name: string;
      path: string;
      size: number;
      mode: number;
      mtime: Date;
      dev: number;
      ino: number;
    }
  | { kind: "symlink"; name: string; target: string; mtime: Date };

/** Names in Go's `filepath.Walk` order (lexical by bytes), so a directory packs as oras packs it. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Whether `target`, read from a link at `rel` (relative to the directory's root), stays inside the root, lexically. */
function linkStaysInside(rel: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\0")) return false;
  const joined = posix.normalize(posix.join(posix.dirname(rel), target));
  return joined !== ".." && !joined.startsWith("../");
}

/** Every entry of `root`, walked before anything is packed so a refusal leaves nothing behind. */
async function walk(root: string, title: string): Promise<DirEntry[]> {
  const out: DirEntry[] = [];
  const visit = async (path: string, rel: string): Promise<void> => {
    const st = rel === "" ? await stat(path) : await lstat(path);
    const name = rel === "" ? title : `${title}/${rel}`;
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      out.push({ kind: "directory", name, mode, mtime: st.mtime });
      for (const child of (await readdir(path)).sort(byteOrder)) {
        if (child.includes("\\"))
          throw new UsageError(
            `${quotePath(join(path, child))}: a name with "\\" cannot be unpacked safely everywhere`,
          );
        await visit(join(path, child), rel === "" ? child : `${rel}/${child}`);
      }
    } else if (st.isFile()) {
      out.push({ kind: "file", name, path, size: st.size, mode, mtime: st.mtime, dev: st.dev, ino: st.ino });
    } else if (st.isSymbolicLink()) {
      const target = await readlink(path);
      if (!linkStaysInside(rel, target)) {
        throw new UsageError(
          `${quotePath(path)} is a symbolic link to ${quotePath(target)}, outside ${quotePath(root)}: a pulled directory may not link out of itself`,
        );
      }
      out.push({ kind: "symlink", name, target, mtime: st.mtime });
    } else {
      throw new UsageError(
        `${quotePath(path)} is not a file, directory or symbolic link: a directory pushed as an artifact may hold no devices, FIFOs or sockets`,
      );
    }
  };
  await visit(root, "");
  return out;
}

/** A file the walk saw that is another thing (or gone) when it is packed: the pack stops, naming it. */
function changedWhilePacked(path: string, cause?: unknown): UsageError {
  const why = cause instanceof UsageError ? `: ${cause.message}` : "";
  return new UsageError(
    `${quotePath(path)} changed while the directory was packed (it is no longer the file first seen${why}); push again once it stays put`,
    cause !== undefined ? { cause } : {},
  );
}

/** A directory packed into a temporary `.tar.gz`, ready to push; `remove()` deletes it. */
export interface PackedDirectory {
  path: string;
  /** The digest of the tar before gzip (`io.deis.oras.content.digest`). */
  tarDigest: string;
  remove(): Promise<void>;
}

/** Packs `dir` as oras does (see the module comment), its entries named under `title`, into a temporary file. */
export async function packDirectory(dir: string, title: string): Promise<PackedDirectory> {
  const entries = await walk(dir, title);
  const tempDir = await mkdtemp(join(tmpdir(), "regatta-artifact-"));
  const path = join(tempDir, "layer.tar.gz");
  const remove = () => rm(tempDir, { recursive: true, force: true });
  try {
    const tarDigest = new Digester("sha256");
    const pack = tar.pack();
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        tarDigest.update(chunk);
        done(null, chunk);
      },
    });
    const written = pipelineAsync(
      pack as unknown as Readable,
      hashing,
      zlib.createGzip(),
      createWriteStream(path),
    );
    for (const entry of entries) {
      const common = { name: entry.name, mtime: entry.mtime, uid: 0, gid: 0, uname: "", gname: "" };
      if (entry.kind === "directory") {
        pack.entry({ ...common, type: "directory", mode: entry.mode });
      } else if (entry.kind === "symlink") {
        pack.entry({ ...common, type: "symlink", linkname: entry.target, mode: 0o777 });
      } else {
        // Opened once, not followed, and checked to be the file the walk saw: a name swapped meanwhile for a link
        // (to a file outside the directory), a FIFO (which would hang the pack) or another file is refused.
        const { handle, stats } = await openRegularFile(entry.path, { noFollow: true }).catch(
          (error: unknown) => {
            throw changedWhilePacked(entry.path, error);
          },
        );
        try {
          if (stats.dev !== entry.dev || stats.ino !== entry.ino) throw changedWhilePacked(entry.path);
          await new Promise<void>((resolve, reject) => {
            const sink = pack.entry(
              { ...common, type: "file", mode: entry.mode, size: entry.size },
              (error) => (error ? reject(error) : resolve()),
            );
            // A file that changed size while packed fails the entry (tar-stream checks the size it was told; a
            // shorter one fails its read, readFileRange).
            pipeline(
              readFileRange(handle, entry.path, 0, entry.size),
              sink as unknown as NodeJS.WritableStream,
              (error) => {
                if (error) reject(error);
              },
            );
          });
        } finally {
          await handle.close().catch(() => {});
        }
      }
    }
    pack.finalize();
    await written;
    return { path, tarDigest: tarDigest.digest(), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** What an unpacked directory held. */
export interface UnpackedDirectory {
  /** Entries written (the directory itself, files, directories, links). */
  entries: number;
  /** Entries left out, as oras leaves them out: devices and FIFOs (`name (type)`). */
  skipped: string[];
}

/** An entry's path relative to the directory titled `title`, or why it may not be written. */
function entryPath(name: string, title: string, where: string): string {
  const refuse = (why: string) =>
    new UsageError(`${where}: refusing the tar entry ${quoteText(name)}: ${why}`, {
      code: "UNSAFE_TAR_ENTRY",
    });
  if (name.includes("\0")) throw refuse("it has a NUL byte");
  if (name.startsWith("/")) throw refuse("it is absolute");
  let clean = posix.normalize(name).replace(/\/+$/, "");
  if (clean.startsWith("./")) clean = clean.slice(2);
  if (clean === title) return "";
  if (!clean.startsWith(`${title}/`)) throw refuse(`it is not inside ${quoteText(title)}`);
  const rel = clean.slice(title.length + 1);
  if (rel.split("/").some((p) => p === ".." || p.includes("\\")))
    throw refuse("it climbs out of the directory");
  return rel;
}

/**
 * Unpacks the gzipped tar `source` (the layer's verified stream: it fails at its end on a wrong digest) into `into`,
 * a directory that must not exist yet and that the caller removes on failure. Entries are named under `title`;
 * `tarDigest`, when given, is checked against the tar before gzip.
 */
export async function unpackDirectory(
  source: Readable,
  into: string,
  title: string,
  tarDigest: string | undefined,
): Promise<UnpackedDirectory> {
  const where = `the directory ${quoteText(title)}`;
  let expected: string | undefined;
  if (tarDigest !== undefined) {
    try {
      expected = `${parseDigest(tarDigest).algorithm}:${parseDigest(tarDigest).hex}`;
    } catch (error) {
      throw new ProtocolError(`${where}: its ${ORAS_DIGEST_ANNOTATION} annotation is not a digest`, {
        cause: error,
      });
    }
  }
  const digester = new Digester(expected ? parseDigest(expected).algorithm : "sha256");
  await mkdir(into, { mode: 0o700 });
  const files = new Set<string>();
  const dirs = new Map<string, { mode: number; mtime: Date }>();
  const links: { rel: string; target: string }[] = [];
  const skipped: string[] = [];
  let entries = 0;
  const at = (rel: string) => (rel === "" ? into : join(into, ...rel.split("/")));
  /** Makes the directories above `rel`: real directories only (no link exists yet: links are made last). */
  const parentsOf = async (rel: string) => {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const found = await lstat(at(dir)).catch(() => undefined);
      if (!found) await mkdir(at(dir), { mode: 0o700 });
      else if (!found.isDirectory())
        throw new UsageError(
          `${where}: the tar entry ${quotePath(rel)} is beneath ${quotePath(dir)}, which is not a directory`,
          {
            code: "UNSAFE_TAR_ENTRY",
          },
        );
    }
  };
  const taken = async (rel: string) => (await lstat(at(rel)).catch(() => undefined)) !== undefined;
  const twice = (rel: string) =>
    new UsageError(`${where}: the tar has ${quotePath(rel)} twice, or as two kinds of entry`, {
      code: "UNSAFE_TAR_ENTRY",
    });

  const extract = tar.extract();
  const gunzip = pipeline(source, zlib.createGunzip(), () => undefined) as unknown as Readable;
  const pump = (async () => {
    // The whole stream is read, trailer included: the tar's digest covers every byte, and the blob's digest is
    // only checked by its stream at its end.
    for await (const chunk of gunzip) {
      digester.update(chunk as Buffer);
      if (!extract.write(chunk as Buffer)) await drained(extract, where);
    }
    extract.end(undefined as never);
  })();
  pump.catch((error: unknown) => extract.destroy(error as Error));
  try {
    for await (const entry of extract) {
      const body = entry as unknown as AsyncIterable<Buffer>;
      const { header } = entry;
      const rel = entryPath(header.name, title, where);
      const mtime = header.mtime ?? new Date(0);
      const mode = (header.mode ?? 0o644) & 0o777;
      entries++;
      if (header.type === "directory") {
        if (rel !== "") {
          await parentsOf(rel);
          const found = await lstat(at(rel)).catch(() => undefined);
          if (found && !found.isDirectory()) throw twice(rel);
          if (!found) await mkdir(at(rel), { mode: 0o700 });
        }
        dirs.set(rel, { mode, mtime });
      } else if (header.type === "file" || header.type === "contiguous-file") {
        if (rel === "" || (await taken(rel)) || links.some((l) => l.rel === rel)) throw twice(rel || title);
        await parentsOf(rel);
        const handle = await open(at(rel), "wx", 0o600);
        await pipelineAsync(body, handle.createWriteStream());
        await chmod(at(rel), mode);
        await utimes(at(rel), mtime, mtime);
        files.add(rel);
      } else if (header.type === "link") {
        const target = entryPath(header.linkname ?? "", title, where);
        if (!files.has(target)) {
          throw new UsageError(
            `${where}: the hard link ${quotePath(rel)} names ${quotePath(target)}, which is not a file extracted before it`,
            {
              code: "UNSAFE_TAR_ENTRY",
            },
          );
        }
        if (rel === "" || (await taken(rel))) throw twice(rel || title);
        await parentsOf(rel);
        await link(at(target), at(rel));
        files.add(rel);
      } else if (header.type === "symlink") {
        const target = header.linkname ?? "";
        if (rel === "" || !linkStaysInside(rel, target)) {
          throw new UsageError(
            `${where}: the symbolic link ${quotePath(rel || title)} points to ${quoteText(target)}, outside the directory`,
            { code: "UNSAFE_TAR_ENTRY" },
          );
        }
        if (links.some((l) => l.rel === rel)) throw twice(rel);
        links.push({ rel, target });
      } else {
        entries--;
        skipped.push(`${quotePath(rel === "" ? title : `${title}/${rel}`)} (${header.type})`);
      }
      for await (const _ of body) {
        // what the entry did not read (a directory's, a link's, a skipped device's) is passed over
      }
    }
    await pump;
  } finally {
    extract.destroy(undefined);
    gunzip.destroy();
  }
  const actual = digester.digest();
  if (expected !== undefined && actual !== expected) {
    throw new DigestMismatchError(
      `${where}: its tar is ${actual}, not the ${expected} its ${ORAS_DIGEST_ANNOTATION} annotation says`,
      {
        expected,
        actual,
      },
    );
  }
  await makeLinks(links, at, where, taken);
  // Directory modes last, deepest first: a read-only directory is filled before it becomes one.
  for (const [rel, { mode, mtime }] of [...dirs].sort(([a], [b]) => b.length - a.length)) {
    await chmod(at(rel), rel === "" ? mode | 0o700 : mode);
    await utimes(at(rel), mtime, mtime);
  }
  return { entries, skipped };
}

/**
 * Makes the symbolic links, once every other entry is on disk. A link may not sit beneath another link, and its
 * target, followed component by component from the link's directory, may pass through no other link (only its last
 * component may be one): `a -> .` then `b -> a/..` stays inside on paper and climbs out on disk.
 */
async function makeLinks(
  links: { rel: string; target: string }[],
  at: (rel: string) => string,
  where: string,
  taken: (rel: string) => Promise<boolean>,
): Promise<void> {
  const isLink = new Set(links.map((l) => l.rel));
  const refuse = (rel: string, why: string) =>
    new UsageError(`${where}: refusing the symbolic link ${quotePath(rel)}: ${why}`, {
      code: "UNSAFE_TAR_ENTRY",
    });
  for (const { rel, target } of links) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      if (isLink.has(parts.slice(0, i).join("/"))) throw refuse(rel, "it is beneath another symbolic link");
    }
    const stack = parts.slice(0, -1);
    const segments = target.split("/").filter((s) => s !== "" && s !== ".");
    for (const segment of segments) {
      if (stack.length > 0 && isLink.has(stack.join("/")))
        throw refuse(rel, `its target ${quoteText(target)} passes through another symbolic link`);
      if (segment === "..") stack.pop();
      else stack.push(segment);
    }
    if (await taken(rel)) throw refuse(rel, "another entry has its path");
    const parent = parts.slice(0, -1).join("/");
    if (parent !== "") await makeDirectories(at(parent), 0o700);
    await symlink(target, at(rel));
  }
}
