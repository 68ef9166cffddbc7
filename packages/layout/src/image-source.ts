/**
 * What `push` reads from disk, whatever the format: the manifests to PUT (exact bytes) and the blobs to upload, each
 * with a way to open it as many times as an upload needs (a retry, a replay after a 401).
 */
import type { Readable } from "node:stream";
import {
  DigestMismatchError,
  InvalidManifestError,
  NotFoundError,
  quoteText,
  SizeMismatchError,
  UnsupportedError,
  UsageError,
} from "@regatta/errors";
import {
  computeDigest,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  parseManifest,
} from "@regatta/manifest";
import { parseReference } from "@regatta/reference";
import type { LayoutFormat } from "./layout-writer.js";
import type { StoredManifest } from "./pull-plan.js";

/** A blob a source holds. */
export interface SourceBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** A fresh stream of the blob's bytes on each call. */
  open(): Readable;
}

/** One image (or index) read from a source, ready to push. */
export interface SourceImage {
  /** The manifest the reference will name: an index or an image manifest. */
  top: StoredManifest;
  /** Manifests that must be in the registry before `top`: an index's children, depth first. */
  children: StoredManifest[];
  /** Distinct config and layer blobs. */
  blobs: SourceBlob[];
  /** The name the source gave the image (a ref.name, a RepoTag), if any. */
  name?: string;
}

/** An image source on disk. */
export interface ImageSource {
  format: LayoutFormat;
  /** The names the source lists (ref.name annotations, RepoTags), to pick from or report. */
  names: string[];
  /** OCI layouts: how many index.json entries have no ref.name (an image `names` cannot show). */
  unnamed?: number;
  /**
   * How many different images (manifests) the source holds: one image under several names (`docker save app:1
   * app:latest`, two ref.names of one digest) counts once, and needs no name to be picked.
   */
  images: number;
  /** The image named `name`, or the only one when `name` is undefined. */
  image(name?: string): Promise<SourceImage>;
  close(): Promise<void>;
}

/** How a source reads its content: a manifest's bytes, and a blob's stream. */
export interface ContentReader {
  /** The bytes of a manifest blob (small). */
  readManifest(digest: string, size: number): Promise<Uint8Array>;
  /** A blob: its size on disk, and a stream opener. Throws if the source does not hold it. */
  blob(descriptor: Descriptor): Promise<SourceBlob>;
}

/** Checks bytes read from disk against the descriptor that pointed at them. */
export function checkStored(
  bytes: Uint8Array,
  descriptor: Pick<Descriptor, "digest" | "size">,
  where: string,
): void {
  if (bytes.byteLength !== descriptor.size) {
    throw new SizeMismatchError(
      `${where}: ${descriptor.digest} is ${bytes.byteLength} bytes, the descriptor says ${descriptor.size}`,
      { expected: descriptor.size, actual: bytes.byteLength },
    );
  }
  const algorithm = descriptor.digest.startsWith("sha512:") ? "sha512" : "sha256";
  const actual = computeDigest(bytes, algorithm);
  if (actual !== descriptor.digest) {
    throw new DigestMismatchError(`${where}: ${descriptor.digest} holds content whose digest is ${actual}`, {
      expected: descriptor.digest,
      actual,
    });
  }
}

/**
 * Reads a manifest and everything it points to from a source: for an index, each child manifest (depth first),
 * and for every image manifest its config and layers. Every manifest's bytes are checked against their descriptor;
 * blobs are checked by the registry as they are uploaded.
 */
export async function loadImage(
  reader: ContentReader,
  top: Descriptor,
  where: string,
  name?: string,
): Promise<SourceImage> {
  const children: StoredManifest[] = [];
  const blobs = new Map<string, SourceBlob>();
  const visit = async (descriptor: Descriptor, depth: number): Promise<StoredManifest> => {
    if (depth > 4) throw new InvalidManifestError(`${where}: indexes nested more than 4 deep`);
    const bytes = await reader.readManifest(descriptor.digest, descriptor.size);
    checkStored(bytes, descriptor, where);
    const parsed = parseManifest(bytes, descriptor.mediaType);
    if (parsed.kind === "schema1")
      throw new UnsupportedError(`${where}: schema 1 manifests cannot be pushed`);
    const manifest: StoredManifest = {
      digest: descriptor.digest,
      mediaType: parsed.mediaType,
      size: bytes.byteLength,
      bytes,
    };
    if (parsed.kind === "index") {
      for (const child of (parsed.manifest as ImageIndex).manifests)
        children.push(await visit(child, depth + 1));
    } else {
      const m = parsed.manifest as ImageManifest;
      for (const d of [m.config, ...m.layers]) {
        if (!blobs.has(d.digest)) blobs.set(d.digest, await reader.blob(d));
      }
    }
    return manifest;
  };
  const stored = await visit(top, 0);
  return { top: stored, children, blobs: [...blobs.values()], ...(name !== undefined ? { name } : {}) };
}

/** A candidate image of a source and the names it goes by (an OCI ref.name, docker RepoTags). */
export interface Named<T> {
  names: string[];
  /**
   * Which image the candidate is (its manifest's digest, or for a manifest still to be built what it is built from):
   * candidates with one key are one image, so choosing between them is no choice.
   */
  key: string;
  value: T;
}

/** How many different images `candidates` are (by key). */
export function countImages(candidates: Named<unknown>[]): number {
  return new Set(candidates.map((c) => c.key)).size;
}

/**
 * The tag part of a docker RepoTag or a full OCI ref.name (`localhost:5000/app:1.0` → `1.0`), so `--name 1.0` finds
 * it too; `sync oci:DIR` names such an image by it.
 */
export function tagPart(name: string): string | undefined {
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
}

/** A `repo:tag` name in its full form (`foo/bar:2` → `docker.io/foo/bar:2`), or undefined if it is none. */
function normalisedName(name: string): string | undefined {
  if (tagPart(name) === undefined) return undefined;
  try {
    return parseReference(name).toString();
  } catch {
    return undefined;
  }
}

/**
 * Whether two image names are the same: equal, or both `repo:tag` names that normalise alike, as docker and skopeo
 * compare them (`docker save` writes `foo/bar:2`, skopeo `docker.io/foo/bar:2`). A bare tag (an OCI ref.name such
 * as `1.0`) is compared as it is: it names no repository.
 */
export function sameImageName(a: string, b: string): boolean {
  if (a === b) return true;
  const full = normalisedName(a);
  return full !== undefined && full === normalisedName(b);
}

/**
 * Picks the candidate named `name` (a full name in any spelling docker accepts, or the tag of one), or the only
 * image when `name` is undefined. Names that all lead to one image are no choice: that image is picked.
 * @throws NotFoundError when nothing has the name; UsageError when the choice is ambiguous.
 */
export function pickNamed<T>(candidates: Named<T>[], name: string | undefined, where: string): T {
  const all = [...new Set(candidates.flatMap((c) => c.names))];
  if (name !== undefined) {
    let found = candidates.filter((c) => c.names.some((n) => sameImageName(n, name)));
    if (found.length === 0) found = candidates.filter((c) => c.names.some((n) => tagPart(n) === name));
    if (found.length > 0 && countImages(found) === 1) return found[0]!.value;
    if (found.length === 0) {
      throw new NotFoundError(
        `${where} has no image named ${quoteText(name)}${all.length ? `; it has: ${all.join(", ")}` : ""}`,
        { code: "MANIFEST_UNKNOWN" },
      );
    }
    throw new UsageError(
      `${where} has ${countImages(found)} images named ${quoteText(name)}: use the full name`,
    );
  }
  if (candidates.length === 0) throw new InvalidManifestError(`${where} holds no image`);
  const images = countImages(candidates);
  if (images === 1) return candidates[0]!.value;
  const unnamed = candidates.filter((c) => c.names.length === 0).length;
  const listed = [...all, ...(unnamed ? [`${unnamed} unnamed`] : [])].join(", ");
  throw new UsageError(`${where} holds ${images} images (${listed}): say which one with --name`);
}
