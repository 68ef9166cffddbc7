/**
 * Reading a docker archive to push it: the tarballs `docker save` writes (≤ 24: `<hex>.json` configs and
 * `<id>/layer.tar` layers; ≥ 25: an OCI layout inside), skopeo's (`<hex>.tar` layers, legacy directories of
 * symlinks), crane's (gzip layers), and Regatta's own. The archive is indexed by its headers and each blob is read
 * where it lies, so nothing is extracted; a gzip-compressed archive or a stream (stdin) is first copied to a
 * temporary file.
 *
 * When the archive carries an OCI layout whose manifest matches a `manifest.json` entry (docker ≥ 25, Regatta), that
 * manifest is pushed byte for byte: the image keeps its digest. Where several of its manifests match one entry (one
 * image with Docker and with OCI media types, or with other annotations), each RepoTag leads to the manifest the
 * index.json names by it. Otherwise a manifest is built from `manifest.json`:
 * Docker schema 2 when every layer is gzip (what `docker push` sends), OCI when some are uncompressed or zstd — the
 * layers are pushed as they are, never recompressed, so their digests are the archive's (for the uncompressed layers
 * `docker save` and skopeo write, that is the image's diff IDs; the config, and so the image ID, is unchanged).
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { InvalidManifestError, NotFoundError, quotePath, UsageError } from "@regatta/errors";
import {
  buildImageManifest,
  computeDigest,
  type Descriptor,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  type ImageManifest,
  isValidDescriptorDigest,
  MAX_MANIFEST_BYTES,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  parseImageConfig,
  parseManifest,
} from "@regatta/manifest";
import { fileSystemError, removeOnExit } from "./atomic-file.js";
import type { DockerManifestItem } from "./docker-archive.js";
import {
  type ContentReader,
  checkStored,
  countImages,
  type ImageSource,
  loadImage,
  type Named,
  pickNamed,
  type SourceBlob,
  type SourceImage,
  sameImageName,
  tagPart,
} from "./image-source.js";
import { IMAGE_NAME, parseLayoutIndex, REF_NAME } from "./oci-index.js";
import { openRegularFile, readFileRange } from "./regular-file.js";
import { archivePath, ociBlobName } from "./safe-path.js";
import { listTarEntries, type TarEntry } from "./tar-format.js";

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** An archive file, indexed. */
interface IndexedArchive {
  path: string;
  handle: FileHandle;
  entries: Map<string, TarEntry>;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/** The file entry a name leads to, following symlinks (relative to their directory) and hard links. */
function resolveEntry(archive: IndexedArchive, name: string, where: string): TarEntry {
  let current = archivePath(name);
  for (let hops = 0; hops < 16; hops++) {
    const entry = archive.entries.get(current);
    if (!entry) throw new NotFoundError(`${where} has no ${current}`, { code: "BLOB_UNKNOWN" });
    if (entry.type === "file") return entry;
    if (entry.type === "symlink" && entry.linkname) {
      current = archivePath(entry.linkname, posix.dirname(current));
    } else if (entry.type === "hardlink" && entry.linkname) {
      current = archivePath(entry.linkname);
    } else {
      throw new InvalidManifestError(`${where}: ${current} is not a file`);
    }
  }
  throw new InvalidManifestError(`${where}: too many links from ${name}`);
}

async function readEntry(
  archive: IndexedArchive,
  entry: TarEntry,
  limit: number,
  where: string,
): Promise<Uint8Array> {
  if (entry.size > limit) {
    throw new InvalidManifestError(
      `${where}: ${entry.name} is ${entry.size} bytes, more than the ${limit} expected`,
    );
  }
  return readAt(archive.handle, entry.offset, entry.size);
}

function entryStream(archive: IndexedArchive, entry: TarEntry): Readable {
  if (entry.size === 0) return Readable.from([]);
  // From the handle the archive was checked and indexed through, not its name again (QA LOW #4).
  return readFileRange(archive.handle, archive.path, entry.offset, entry.size);
}

function sourceBlob(archive: IndexedArchive, entry: TarEntry, digest: string, mediaType: string): SourceBlob {
  return { digest, size: entry.size, mediaType, open: () => entryStream(archive, entry) };
}

async function hashEntry(archive: IndexedArchive, entry: TarEntry): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of entryStream(archive, entry)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

function parseDockerManifest(bytes: Uint8Array, where: string): DockerManifestItem[] {
  let items: unknown;
  try {
    items = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InvalidManifestError(`${where}: manifest.json is not JSON`, { cause: error });
  }
  const ok =
    Array.isArray(items) &&
    items.every(
      (i) =>
        i &&
        typeof i.Config === "string" &&
        Array.isArray(i.Layers) &&
        i.Layers.every((l: unknown) => typeof l === "string") &&
        (i.RepoTags == null ||
          (Array.isArray(i.RepoTags) && i.RepoTags.every((t: unknown) => typeof t === "string"))),
    );
  if (!ok)
    throw new InvalidManifestError(`${where}: manifest.json is not a list of {Config, RepoTags, Layers}`);
  return items as DockerManifestItem[];
}

/** The content reader over an archive's embedded OCI layout (`blobs/<alg>/<hex>`). */
function archiveContent(archive: IndexedArchive, where: string): ContentReader {
  return {
    async readManifest(digest) {
      return readEntry(archive, resolveEntry(archive, ociBlobName(digest), where), MAX_MANIFEST_BYTES, where);
    },
    async blob(d) {
      const entry = resolveEntry(archive, ociBlobName(d.digest), where);
      if (entry.size !== d.size) {
        throw new InvalidManifestError(
          `${where}: blob ${d.digest} is ${entry.size} bytes, the manifest says ${d.size}`,
        );
      }
      return sourceBlob(archive, entry, d.digest, d.mediaType);
    },
  };
}

/** Builds a manifest for a `manifest.json` entry whose archive has no matching OCI manifest. */
async function synthesize(
  archive: IndexedArchive,
  item: DockerManifestItem,
  where: string,
  name: string | undefined,
): Promise<SourceImage> {
  const configEntry = resolveEntry(archive, item.Config, where);
  const configBytes = await readEntry(archive, configEntry, MAX_MANIFEST_BYTES, where);
  const config = parseImageConfig(configBytes);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers: { descriptor: Descriptor; entry: TarEntry }[] = [];
  for (const [i, path] of item.Layers.entries()) {
    const entry = resolveEntry(archive, path, where);
    const head = await readAt(archive.handle, entry.offset, Math.min(4, entry.size));
    const compression = startsWith(head, GZIP) ? "gzip" : startsWith(head, ZSTD) ? "zstd" : "none";
    // An uncompressed layer's digest is its diff ID; the registry checks it as the bytes arrive.
    const diffId = diffIds[i];
    const digest =
      compression === "none" && diffId && isValidDescriptorDigest(diffId) && diffId.startsWith("sha256:")
        ? diffId
        : await hashEntry(archive, entry);
    layers.push({ descriptor: { mediaType: compression, digest, size: entry.size }, entry });
  }
  const docker = layers.every((l) => l.descriptor.mediaType === "gzip");
  const layerType = (c: string) =>
    docker ? DOCKER_LAYER : c === "gzip" ? OCI_LAYER_GZIP : c === "zstd" ? OCI_LAYER_ZSTD : OCI_LAYER;
  const configDescriptor: Descriptor = {
    mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG,
    digest: computeDigest(configBytes),
    size: configBytes.byteLength,
  };
  const built = buildImageManifest({
    config: configDescriptor,
    layers: layers.map((l) => ({ ...l.descriptor, mediaType: layerType(l.descriptor.mediaType) })),
    mediaType: docker ? "docker" : "oci",
  });
  const blobs = new Map<string, SourceBlob>();
  blobs.set(
    configDescriptor.digest,
    sourceBlob(archive, configEntry, configDescriptor.digest, configDescriptor.mediaType),
  );
  for (const l of layers) {
    if (!blobs.has(l.descriptor.digest)) {
      blobs.set(
        l.descriptor.digest,
        sourceBlob(archive, l.entry, l.descriptor.digest, layerType(l.descriptor.mediaType)),
      );
    }
  }
  return {
    top: { digest: built.digest, mediaType: built.mediaType, size: built.size, bytes: built.bytes },
    children: [],
    blobs: [...blobs.values()],
    ...(name !== undefined ? { name } : {}),
  };
}

/** An image manifest of the archive's index.json, with the blob paths manifest.json would give its config and layers. */
interface IndexedManifest {
  descriptor: Descriptor;
  config: string;
  layers: string[];
}

/**
 * The image manifests the archive's index.json lists (an index, a missing or corrupt blob is passed over: the
 * entry is then built from manifest.json instead), each read once.
 */
async function indexedManifests(
  archive: IndexedArchive,
  index: Descriptor[],
  where: string,
): Promise<IndexedManifest[]> {
  const content = archiveContent(archive, where);
  const out: IndexedManifest[] = [];
  for (const d of index) {
    let bytes: Uint8Array;
    try {
      bytes = await content.readManifest(d.digest, d.size);
      checkStored(bytes, d, where);
    } catch {
      continue;
    }
    const parsed = parseManifest(bytes, d.mediaType);
    if (parsed.kind !== "image") continue;
    const m = parsed.manifest as ImageManifest;
    out.push({
      descriptor: d,
      config: ociBlobName(m.config.digest),
      layers: m.layers.map((l) => ociBlobName(l.digest)),
    });
  }
  return out;
}

/**
 * The index.json manifest that is `item` under the name `repoTag`. Several manifests can have the item's config and
 * layers (the same image with Docker and with OCI media types, or with other annotations), so the name decides:
 * the entry whose io.containerd.image.name is `repoTag` (Regatta, docker ≥ 25), else whose ref.name is it or its
 * tag (skopeo, umoci), else the first with that content.
 */
function manifestFor(
  manifests: IndexedManifest[],
  item: DockerManifestItem,
  repoTag: string | undefined,
): Descriptor | undefined {
  const config = archivePath(item.Config);
  const layers = item.Layers.map((l) => archivePath(l));
  const same = manifests
    .filter(
      (m) =>
        m.config === config && m.layers.length === layers.length && m.layers.every((l, i) => l === layers[i]),
    )
    .map((m) => m.descriptor);
  if (repoTag === undefined) return same[0];
  const tag = tagPart(repoTag);
  const annotation = (d: Descriptor, key: string) => d.annotations?.[key];
  return (
    same.find((d) => {
      const name = annotation(d, IMAGE_NAME);
      return name !== undefined && sameImageName(name, repoTag);
    }) ??
    same.find((d) => {
      const name = annotation(d, REF_NAME);
      return name !== undefined && sameImageName(name, repoTag);
    }) ??
    same.find((d) => tag !== undefined && annotation(d, REF_NAME) === tag) ??
    same[0]
  );
}

async function isGzip(handle: FileHandle): Promise<boolean> {
  return startsWith(await readAt(handle, 0, 4), GZIP);
}

/**
 * A plain tar file for `source` (a stream, or the handle of a gzip-compressed archive: `docker save | gzip`, which
 * `docker load` accepts too): a stream is copied to a temporary file first, and a compressed one decompressed.
 * `sourcePath` names the handle's file in errors.
 */
async function spool(source: Readable | FileHandle, dir: string, sourcePath = ""): Promise<string> {
  const path = join(dir, "archive.tar");
  if (!("pipe" in source)) {
    const compressed = readFileRange(source, sourcePath, 0, (await source.stat()).size);
    await pipeline(compressed, createGunzip(), createWriteStream(path));
    return path;
  }
  const raw = join(dir, "input");
  await pipeline(source, createWriteStream(raw));
  const probe = await open(raw, "r");
  const gzip = await isGzip(probe).finally(() => probe.close());
  if (!gzip) return raw;
  await pipeline(createReadStream(raw), createGunzip(), createWriteStream(path));
  await rm(raw, { force: true });
  return path;
}

/**
 * Opens a docker archive (a path, or a stream such as stdin) for pushing. Images are picked by a RepoTag (the full
 * `repo:tag` or the tag alone) or by the ref.name of its OCI index entry (skopeo's `oci-archive:PATH:NAME`).
 */
export async function openDockerArchiveSource(input: string | Readable): Promise<ImageSource> {
  const where = typeof input === "string" ? quotePath(input) : "the archive on stdin";
  let tempDir: string | undefined;
  let forgetSpool = () => {};
  let path: string;
  // A file is opened once, without blocking (kind and size from its fstat, a FIFO refused, not waited on): what was
  // checked is what is read (QA LOW #4). Only a compressed one is read again, from the spool it is decompressed into.
  let opened = typeof input === "string" ? (await openRegularFile(input)).handle : undefined;
  const compressed =
    opened === undefined ||
    (await isGzip(opened).catch(async (error: unknown) => {
      await opened?.close();
      throw fileSystemError(error, input as string);
    }));
  if (!compressed) {
    path = input as string;
  } else {
    tempDir = await mkdtemp(join(tmpdir(), "regatta-push-"));
    // Ctrl-C while stdin is spooled ends the process before the clean-up below can run (issue 10, item 10).
    forgetSpool = removeOnExit(tempDir);
    const from = opened ?? (input as Readable);
    path = await spool(from, tempDir, typeof input === "string" ? input : "")
      .catch(async (error) => {
        forgetSpool();
        await rm(tempDir as string, { recursive: true, force: true });
        throw fileSystemError(error, tempDir as string);
      })
      .finally(() => opened?.close().catch(() => {}));
    opened = undefined;
  }
  const handle = opened ?? (await open(path, "r"));
  const cleanup = async () => {
    await handle.close().catch(() => {});
    forgetSpool();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
  try {
    const size = (await handle.stat()).size;
    const list = await listTarEntries((position, length) => readAt(handle, position, length), size).catch(
      (error: unknown) => {
        // Not a tar at all (a text file given by mistake): the file named, what push reads, exit 2.
        if (!(error instanceof InvalidManifestError)) throw error;
        throw new UsageError(
          `${where} is not a docker archive (docker save) or OCI layout: ${error.message}`,
          { cause: error },
        );
      },
    );
    const entries = new Map<string, TarEntry>();
    for (const entry of list) entries.set(archivePath(entry.name), entry);
    const archive: IndexedArchive = { path, handle, entries };
    const read = async (name: string) =>
      entries.has(name)
        ? readEntry(archive, resolveEntry(archive, name, where), MAX_MANIFEST_BYTES, where)
        : undefined;
    const manifestJson = await read("manifest.json");
    const indexJson = entries.has("oci-layout") ? await read("index.json") : undefined;
    const index = indexJson ? parseLayoutIndex(indexJson, where).manifests : [];
    const content = archiveContent(archive, where);
    let candidates: Named<() => Promise<SourceImage>>[];
    if (manifestJson) {
      // One candidate per RepoTag, each resolved to its own manifest, so a name gives the image it names.
      const items = parseDockerManifest(manifestJson, where);
      const manifests = await indexedManifests(archive, index, where);
      candidates = items.flatMap((item) => {
        const tags = item.RepoTags?.length ? item.RepoTags : [undefined];
        return tags.map((tag) => {
          const oci = manifestFor(manifests, item, tag);
          // The ref.name of its OCI index entry too (skopeo's oci-archive:PATH:NAME reads an image by it).
          const refName = oci?.annotations?.[REF_NAME];
          return {
            names: [
              ...(tag === undefined ? [] : [tag]),
              ...(refName !== undefined && refName !== tagPart(tag ?? "") ? [refName] : []),
            ],
            // A manifest built from manifest.json is the same for the same config and layers.
            key:
              oci?.digest ??
              JSON.stringify([archivePath(item.Config), ...item.Layers.map((l) => archivePath(l))]),
            value: () => (oci ? loadImage(content, oci, where, tag) : synthesize(archive, item, where, tag)),
          };
        });
      });
    } else if (indexJson) {
      candidates = index.map((d) => ({
        names: d.annotations?.[REF_NAME] !== undefined ? [d.annotations[REF_NAME]] : [],
        key: d.digest,
        value: () => loadImage(content, d, where, d.annotations?.[REF_NAME]),
      }));
    } else {
      throw new UsageError(
        `${where} is a tar archive without manifest.json or an OCI layout: not an image archive`,
      );
    }
    return {
      format: "docker",
      names: candidates.flatMap((c) => c.names),
      images: countImages(candidates),
      image: async (name) => pickNamed(candidates, name, where)(),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
