/**
 * The `docker save` / `docker load` tarball, as Regatta writes it: the layout docker ≥ 25 writes, an OCI image layout
 * with docker's `manifest.json` and `repositories` beside it.
 *
 *   blobs/sha256/<hex>     configs, layers and manifests, each stored once, under its digest
 *   oci-layout, index.json the OCI layout (index.json names each image by its tag)
 *   manifest.json          [{"Config": "blobs/sha256/…", "RepoTags": ["repo:tag"], "Layers": ["blobs/sha256/…", …]}]
 *   repositories           {"repo": {"tag": "<config hex>"}}, the legacy tag map
 *
 * Why this one: `docker load` of every version since 1.10 reads `manifest.json` and nothing else (the legacy
 * `<id>/layer.tar` directories matter only without it), and decompresses each layer it names, so layers stay as the
 * registry serves them (gzip) — no recompression, no change of digest. skopeo's `docker-archive:` reader also starts
 * from `manifest.json` and follows its paths, decompressing layers; docker ≥ 25 and containerd read the OCI layout.
 * The OCI layout inside keeps the registry's manifests byte for byte, so `regatta push` of such a tarball restores
 * the original digests. (skopeo and docker ≤ 24 write `<hex>.json` configs and uncompressed `<hex>.tar` or
 * `<id>/layer.tar` layers; the reader understands those too.)
 * https://github.com/moby/moby/blob/v25.0.0/image/tarexport/save.go
 */
import { UsageError } from "@regatta/errors";
import type { Descriptor } from "@regatta/manifest";
import { indexEntry, jsonBytes, mergeIndex, OCI_LAYOUT_BYTES } from "./oci-index.js";
import type { PullPlan } from "./pull-plan.js";
import { digestParts, ociBlobName } from "./safe-path.js";
import { END_OF_ARCHIVE, headerBytes, padding } from "./tar-format.js";

/** One element of `manifest.json`. */
export interface DockerManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  /** Foreign layers (Windows base layers), by diff ID. */
  LayerSources?: Record<string, Descriptor>;
  Parent?: string;
}

/** An entry of the archive to write: small content held in memory, or a blob downloaded into place. */
export interface ArchiveEntry {
  name: string;
  type: "file" | "directory";
  size: number;
  /** The content, for files written from memory. */
  bytes?: Uint8Array;
  /** The digest of the blob that fills this entry. */
  blob?: string;
}

/** An entry with its place in the archive. */
export interface PlacedEntry extends ArchiveEntry {
  /** The entry's header (one block, or more for a long name). */
  header: Uint8Array;
  /** Where the header starts. */
  offset: number;
  /** Where the data starts. */
  dataOffset: number;
}

/** The whole archive, laid out: every entry's offset, and the total size including the end-of-archive blocks. */
export interface ArchiveLayout {
  entries: PlacedEntry[];
  size: number;
}

/** The name `docker load` tags an image with: `alpine:3.20`, `localhost:5000/team/app:1.0`. */
function repoTag(ref: PullPlan["references"][number]["reference"]): string | undefined {
  return ref.tag === undefined ? undefined : ref.withoutDigest().familiar();
}

/** The entries of a docker archive for `plan`, metadata first, then manifests, then configs and layers. */
export function dockerArchiveEntries(plan: PullPlan): ArchiveEntry[] {
  const items = new Map<string, DockerManifestItem>();
  const taggedImages = new Map<string, string>();
  const repositories: Record<string, Record<string, string>> = {};
  for (const p of plan.references) {
    if (p.images.length !== 1) {
      throw new UsageError(
        `a docker archive holds one platform per image, and ${p.reference.familiar()} resolves to ${p.images.length}: pick one with --platform, or use the oci format to keep the index`,
      );
    }
    const image = p.images[0]!;
    const item = items.get(image.manifest.digest) ?? {
      Config: ociBlobName(image.config.digest),
      RepoTags: [],
      Layers: image.layers.map((l) => ociBlobName(l.digest)),
    };
    const tag = repoTag(p.reference);
    const tagged = tag === undefined ? undefined : taggedImages.get(tag);
    if (tag !== undefined && tagged !== undefined && tagged !== image.manifest.digest) {
      throw new UsageError(
        `${tag} would name two images in the docker archive (${tagged} and ${image.manifest.digest}); pull them one at a time`,
        { code: "DUPLICATE_NAME" },
      );
    }
    if (tag !== undefined) taggedImages.set(tag, image.manifest.digest);
    if (tag !== undefined && !item.RepoTags?.includes(tag)) item.RepoTags?.push(tag);
    items.set(image.manifest.digest, item);
    if (p.reference.tag !== undefined) {
      const name = p.reference.withoutDigest().withoutTag().familiar();
      repositories[name] = { ...repositories[name], [p.reference.tag]: digestParts(image.config.digest)[1] };
    }
  }
  const files: ArchiveEntry[] = [];
  const file = (name: string, bytes: Uint8Array) =>
    files.push({ name, type: "file", size: bytes.byteLength, bytes });
  file("oci-layout", OCI_LAYOUT_BYTES);
  file("index.json", jsonBytes(mergeIndex(undefined, plan.references.map(indexEntry))));
  file("manifest.json", jsonBytes([...items.values()]));
  file("repositories", jsonBytes(repositories));

  // Content-addressed: a digest met again (a manifest two references share, a blob whose bytes are a manifest's)
  // is the same content and stored once; the same digest with another size is a contradiction, refused.
  const byName = new Map<string, ArchiveEntry>();
  const blobs: ArchiveEntry[] = [];
  const add = (entry: ArchiveEntry) => {
    const there = byName.get(entry.name);
    if (there === undefined) {
      byName.set(entry.name, entry);
      blobs.push(entry);
    } else if (there.size !== entry.size) {
      throw duplicateEntry(entry.name, `once of ${there.size} bytes and once of ${entry.size}`);
    }
  };
  for (const p of plan.references) {
    for (const m of p.manifests)
      add({ name: ociBlobName(m.digest), type: "file", size: m.size, bytes: m.bytes });
  }
  for (const b of plan.blobs)
    add({ name: ociBlobName(b.digest), type: "file", size: b.size, blob: b.digest });
  const algorithms = [...new Set(blobs.map((b) => b.name.split("/")[1]!))].sort();
  const directories: ArchiveEntry[] = ["blobs", ...algorithms.map((a) => `blobs/${a}`)].map((name) => ({
    name,
    type: "directory",
    size: 0,
  }));
  return [...directories, ...files, ...blobs];
}

function duplicateEntry(name: string, how: string): UsageError {
  return new UsageError(
    `the docker archive would hold ${name} twice (${how}); nothing was written. Pull the references one at a time or use the oci format`,
    { code: "DUPLICATE_ARCHIVE_ENTRY" },
  );
}

/**
 * Places each entry: header, data, padding to the block, one after the other, then two zero blocks. Two entries
 * with one path are refused before anything is written or sent: `tar x` and `docker load` keep the last of them
 * and others the first, so such an archive means different things to different readers.
 * @throws UsageError (code `DUPLICATE_ARCHIVE_ENTRY`).
 */
export function layOut(entries: ArchiveEntry[]): ArchiveLayout {
  const names = new Set<string>();
  for (const entry of entries) {
    if (names.has(entry.name)) throw duplicateEntry(entry.name, "two entries with one path");
    names.add(entry.name);
  }
  let offset = 0;
  const placed = entries.map((entry) => {
    const header = headerBytes(entry);
    const at = offset;
    offset += header.byteLength + entry.size + padding(entry.size);
    return { ...entry, header, offset: at, dataOffset: at + header.byteLength };
  });
  return { entries: placed, size: offset + END_OF_ARCHIVE.byteLength };
}

/** Bytes of zero padding after an entry's data. */
export function paddingOf(entry: ArchiveEntry): Uint8Array {
  return new Uint8Array(padding(entry.size));
}
