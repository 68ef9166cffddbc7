import type { GeneratedImage, GeneratedIndex } from "./generate-image.js";

/** A manifest held by the fake registry. */
export interface FakeManifest {
  bytes: Uint8Array | string;
  mediaType: string;
}

/**
 * Content of one repository of the fake registry. Keys are trusted as given: storing bytes under a digest they
 * do not hash to is how a test makes a registry serve corrupt content.
 */
export interface FakeRepositoryContent {
  /** tag → manifest digest. */
  tags?: Record<string, string>;
  /** digest → manifest. */
  manifests?: Record<string, FakeManifest>;
  /** digest → blob bytes. */
  blobs?: Record<string, Uint8Array | string>;
}

/** Repository name → content. */
export type FakeRepositories = Record<string, FakeRepositoryContent>;

/** One repository inside a {@link FakeRegistryStore}. */
export interface StoredRepository {
  /** Undefined until something is tagged: distribution answers NAME_UNKNOWN then, and `"tags":null` once empty. */
  tags: Map<string, string> | undefined;
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  blobs: Map<string, Buffer>;
}

/** An upload session of the fake registry. */
export interface StoredUpload {
  repository: string;
  chunks: Buffer[];
  size: number;
}

/** Mutable state behind the fake registry handlers: repositories and upload sessions. */
export class FakeRegistryStore {
  readonly repositories = new Map<string, StoredRepository>();
  readonly uploads = new Map<string, StoredUpload>();
  /** Sessions that ended in a stored blob: distribution answers their old Locations BLOB_UPLOAD_UNKNOWN. */
  readonly finishedUploads = new Set<string>();

  constructor(repos: FakeRepositories = {}) {
    for (const [name, content] of Object.entries(repos)) {
      const repo = this.repository(name, true)!;
      if (content.tags) repo.tags = new Map(Object.entries(content.tags));
      for (const [digest, m] of Object.entries(content.manifests ?? {})) {
        repo.manifests.set(digest, { bytes: toBuffer(m.bytes), mediaType: m.mediaType });
      }
      for (const [digest, bytes] of Object.entries(content.blobs ?? {}))
        repo.blobs.set(digest, toBuffer(bytes));
    }
  }

  /** Returns the repository, creating it when `create` is set. */
  repository(name: string, create = false): StoredRepository | undefined {
    let repo = this.repositories.get(name);
    if (!repo && create) {
      repo = { tags: undefined, manifests: new Map(), blobs: new Map() };
      this.repositories.set(name, repo);
    }
    return repo;
  }
}

/**
 * Turns generated images and indexes into fake repository content: every blob, every manifest (children of an
 * index too) and the given tags.
 *
 * @example
 * distributionHandlers({ repos: { "library/alpine": fakeRepository({ latest: await generateIndex() }) } });
 */
export function fakeRepository(
  tagged: Record<string, GeneratedImage | GeneratedIndex>,
): FakeRepositoryContent {
  const tags: Record<string, string> = {};
  const manifests: Record<string, FakeManifest> = {};
  const blobs: Record<string, Uint8Array> = {};
  const addImage = (image: GeneratedImage) => {
    blobs[image.config.digest] = image.config.bytes;
    for (const layer of image.layers) blobs[layer.digest] = layer.bytes;
    manifests[image.manifest.digest] = { bytes: image.manifest.bytes, mediaType: image.manifest.mediaType };
  };
  for (const [tag, item] of Object.entries(tagged)) {
    if (item.kind === "index") {
      item.children.forEach(addImage);
      manifests[item.index.digest] = { bytes: item.index.bytes, mediaType: item.index.mediaType };
      tags[tag] = item.index.digest;
    } else {
      addImage(item);
      tags[tag] = item.manifest.digest;
    }
  }
  return { tags, manifests, blobs };
}

function toBuffer(bytes: Uint8Array | string): Buffer {
  return typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
}
