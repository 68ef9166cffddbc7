/**
 * What a pull is going to write, worked out before a single blob is downloaded: for each reference, the manifests
 * (exact bytes, digests verified), the images with their config and layers, and the distinct blobs to fetch. Knowing
 * every size up front is what lets the docker-archive writer lay the tarball out in advance and the progress display
 * show a total from the start. The client fills a plan from a registry; the writers here only read it.
 */
import type { Descriptor } from "@regatta/manifest";
import type { Reference, RepositoryReference } from "@regatta/reference";

/** A manifest or index to store as it was received. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  size: number;
  /** The exact bytes: anything else would change the digest. */
  bytes: Uint8Array;
}

/** One single-platform image: its manifest and the blobs it points to. */
export interface PlannedImage {
  manifest: StoredManifest;
  config: Descriptor;
  layers: Descriptor[];
  /** From the index entry, when the image came from an index. */
  platform?: string;
}

/** What one reference resolved to. */
export interface PlannedReference {
  /** The reference as asked for. */
  reference: Reference;
  /**
   * The name to store it under in an OCI layout's index.json (ref.name) instead of the reference's tag: skopeo's
   * `oci:DIR:NAME`. Such an entry carries no full image name (io.containerd.image.name), as skopeo writes none.
   */
  name?: string;
  /** What is stored under the reference's name: the index with `platforms: "all"`, else the image manifest. */
  top: StoredManifest;
  /** Every manifest to store, `top` first. */
  manifests: StoredManifest[];
  /** The image manifests, in index order. */
  images: PlannedImage[];
  /** When a platform was picked from an index: that index (its digest is reported, as ocidist does). */
  index?: { digest: string; mediaType: string };
  platform?: string;
}

/** A blob to download, with the repository it is fetched from. */
export interface PlannedBlob {
  digest: string;
  size: number;
  mediaType: string;
  kind: "config" | "layer";
  repository: RepositoryReference;
}

/** Everything a pull writes. */
export interface PullPlan {
  references: PlannedReference[];
  /** Distinct blobs, configs and layers in manifest order. */
  blobs: PlannedBlob[];
}
