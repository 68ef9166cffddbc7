import type { Readable, Writable } from "node:stream";
import type { AuthDescription } from "@regatta/auth";
import { UsageError } from "@regatta/errors";
import { parsePlatform } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import { BlobHandle } from "./blob-handle.js";
import { checkArguments, checkClientDefaults } from "./call-arguments.js";
import {
  allRepositories,
  type CatalogOptions,
  type CatalogPage,
  catalogPage,
  catalogPages,
  searchRepositories,
} from "./catalog.js";
import {
  assertOpen,
  type ClientContext,
  joinSignals,
  markClosed,
  type ReferenceInput,
  type RepositoryInput,
  type SignalSource,
  toReference,
  toRegistry,
  toRepository,
  withClientSignal,
} from "./context.js";
import type { CopyOptions, CopyResult } from "./copy.js";
import type { DeletedManifest, DeletedTag, DeleteManifestOptions } from "./delete.js";
import type { DeletedRepository, DeleteRepositoryOptions } from "./delete-repository.js";
import type { Diff, DiffOptions } from "./diff/image-diff.js";
import type { AuthReport } from "./explain/auth-report.js";
import type { ExplainAuthOptions } from "./explain/explain-auth.js";
import type { ImageFile } from "./files/image-file.js";
import type {
  ExportOptions,
  ExportResult,
  FileOptions,
  ImageFileListing,
  ImageFileStream,
  ImageFilesOptions,
} from "./files/image-files.js";
import {
  getAskedManifest,
  getManifest,
  type HeadOptions,
  type HeadResult,
  headManifest,
  type ManifestOptions,
  type ManifestResult,
} from "./get-manifest.js";
import {
  type ConfigResult,
  getConfig,
  type ImageSummary,
  type InspectOptions,
  inspectImage,
} from "./image-info.js";
import type { CreateIndexOptions } from "./indexes/create-index.js";
import type { EditIndexOptions } from "./indexes/edit-index.js";
import type { IndexResult } from "./indexes/put-index.js";
import type { Inventory, InventoryOptions } from "./inventory/inventory.js";
import type { PullOptions, PullResult } from "./layout/pull.js";
import type { PushOptions, PushResult } from "./layout/push.js";
import {
  type AllTagsOptions,
  allTags,
  listTags,
  type TagList,
  type TagsOptions,
  type TagsWithDigests,
  tagPages,
  tagsWithDigests,
} from "./list-tags.js";
import {
  type BlobSource,
  mountBlob,
  type PushBlobOptions,
  type PushBlobResult,
  pushBlob,
} from "./push-blob.js";
import {
  type ManifestInput,
  type PutManifestOptions,
  type PutManifestResult,
  putManifest,
} from "./put-manifest.js";
import type { CopyReferrersOptions, CopyReferrersResult } from "./referrers/copy-referrers.js";
import type { ReferrersOptions, ReferrersResult } from "./referrers/list-referrers.js";
import type { PullArtifactResult } from "./referrers/pull-artifact.js";
import type { PushArtifactOptions, PushArtifactResult } from "./referrers/push-artifact.js";
import type { ReferrerTree, ReferrerTreeOptions } from "./referrers/referrer-tree.js";
import type { PaginationLimits } from "./registry-api/pages.js";
import type {
  ConvertSchema1Options,
  PushSchema1Options,
  PushSchema1Result,
  Schema1Conversion,
} from "./schema1.js";
import type { RateLimitInfo } from "./sync/rate-limit.js";
import type { SyncInput } from "./sync/sync.js";
import type { SyncJob, SyncOptions, SyncPlan, SyncResult } from "./sync/sync-types.js";
import type { TagWalkOptions } from "./tags-for-digest.js";

/** What `client.with()` changes for the client it returns; everything else is shared. */
export interface ClientDefaults {
  /**
   * Aborts every call of the derived client (joined with each call's own signal, and with the parent client's).
   * A function is asked at each call for the signal then in force.
   */
  signal?: SignalSource;
  /**
   * The platform (`os/arch[/variant]`) every call means when it names none: an index is resolved to that platform's
   * image by every verb, as if each call passed `platform` (`manifest`, `digest`, `head`, `inspect` and `size` too,
   * which without it show an index whole). The CLI's `--platform` is this.
   */
  platform?: string;
  /** How many blobs and manifests move at once in copy, pull, push and bulk deletes. */
  concurrency?: number;
  /** Bounds of tags and catalog pagination. */
  pagination?: PaginationLimits;
}

/**
 * A registry client. One instance serves every repository of its registry (and references that name other
 * registries), and is safe for concurrent use: tokens and connections are shared.
 *
 * The bigger verbs (copy, sync, pull and push, files, diff, inventory, referrers, indexes, schema 1, deletes) load
 * their code when one of them is first called (`await import("./verbs.js")` in the method, one module for all of
 * them): a script or a CLI command that reads a manifest then compiles the transport and the reads only, not tar,
 * the disk layouts and the sync planner (issue 12, start-up; bench/README.md "Start-up"). The reads, tags, catalog,
 * blob handles and manifest and blob pushes load with the client.
 */
export class RegistryClient {
  /** @internal */
  readonly ctx: ClientContext;

  constructor(ctx: ClientContext) {
    this.ctx = ctx;
  }

  /**
   * A client with other defaults that shares this one's connections, credentials and token cache, as octokit's
   * `.defaults()`: `reg.with({ signal: AbortSignal.timeout(5000) }).tags("alpine")`,
   * `reg.with({ platform: "linux/arm64" }).inspect("alpine")`. Closing either closes both.
   */
  with(defaults: ClientDefaults): RegistryClient {
    checkClientDefaults(defaults);
    if (defaults.platform !== undefined) parsePlatform(defaults.platform);
    if (
      defaults.concurrency !== undefined &&
      !(Number.isInteger(defaults.concurrency) && defaults.concurrency > 0)
    )
      throw new UsageError(`concurrency must be a positive integer, got ${defaults.concurrency}`);
    const signal = joinSignals(this.ctx.signal, defaults.signal);
    return new RegistryClient({
      ...this.ctx,
      ...(defaults.platform !== undefined
        ? { platform: defaults.platform, chosenPlatform: defaults.platform }
        : {}),
      ...(defaults.concurrency !== undefined ? { concurrency: defaults.concurrency } : {}),
      ...(defaults.pagination ? { pagination: { ...this.ctx.pagination, ...defaults.pagination } } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /** The registry references without a host resolve to, e.g. `docker.io` or `localhost:5000`. */
  get registry(): string {
    return this.ctx.defaultRegistry;
  }

  /** The base URL requests go to. */
  get url(): string {
    return this.ctx.transport.baseUrl(this.ctx.defaultRegistry);
  }

  // ── tags and repositories ──────────────────────────────────────────────────────────────────────────────────────

  /** One page of tags: `{ name, tags, last?, next?, digests? }`. See {@link TagsOptions}. */
  async tags(repository: RepositoryInput, options?: TagsOptions): Promise<TagList> {
    this.#begin("tags", [repository, options]);
    return listTags(this.ctx, repository, this.#calls(options));
  }

  /** Every tag of a repository, following pagination. */
  async allTags(repository: RepositoryInput, options?: AllTagsOptions): Promise<string[]> {
    this.#begin("allTags", [repository, options]);
    return allTags(this.ctx, repository, this.#calls(options));
  }

  /** Every tag with its manifest digest, all pages: `{ name, tags, digests }` (one HEAD per tag, `concurrency` at once). */
  async tagsWithDigests(
    repository: RepositoryInput,
    options?: AllTagsOptions & { concurrency?: number },
  ): Promise<TagsWithDigests> {
    this.#begin("tagsWithDigests", [repository, options]);
    return tagsWithDigests(this.ctx, repository, this.#calls(options));
  }

  /** Iterates over every page of tags: `for await (const page of reg.tagPages("alpine"))`. */
  tagPages(
    repository: RepositoryInput,
    options?: Omit<TagsOptions, "last" | "next">,
  ): AsyncGenerator<TagList> {
    this.#begin("tagPages", [repository, options]);
    return tagPages(this.ctx, repository, this.#calls(options));
  }

  /** One page of the registry's catalog. */
  async catalog(options?: CatalogOptions): Promise<CatalogPage> {
    this.#begin("catalog", [options]);
    return catalogPage(this.ctx, this.#calls(this.#addressed(options)));
  }

  /** Every repository of the registry, following pagination. */
  async repositories(options?: Omit<CatalogOptions, "last" | "next">): Promise<string[]> {
    this.#begin("repositories", [options]);
    return allRepositories(this.ctx, this.#calls(this.#addressed(options)));
  }

  catalogPages(options?: Omit<CatalogOptions, "last" | "next">): AsyncGenerator<CatalogPage> {
    this.#begin("catalogPages", [options]);
    return catalogPages(this.ctx, this.#calls(this.#addressed(options)));
  }

  /**
   * Repositories whose name contains `substring`. The v2 API has no search: this reads the whole catalog, which is
   * slow on a large registry (the Ruby gem's warning applies).
   */
  async search(substring: string, options?: { registry?: string; signal?: AbortSignal }): Promise<string[]> {
    this.#begin("search", [substring, options]);
    return searchRepositories(this.ctx, substring, this.#calls(this.#addressed(options)));
  }

  // ── manifests ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** The manifest a reference names, verified against its digest. With `platform`, an index is resolved. */
  async manifest(reference: ReferenceInput, options?: ManifestOptions): Promise<ManifestResult> {
    this.#begin("manifest", [reference, options]);
    return getAskedManifest(this.ctx, reference, this.#platformed(options));
  }

  /**
   * The manifest's digest (HEAD when the registry sends `Docker-Content-Digest`, GET otherwise; `verify: true` always
   * GETs and hashes). A reference with a digest that the registry names differently is a DigestMismatchError.
   */
  async digest(reference: ReferenceInput, options?: HeadOptions): Promise<string> {
    this.#begin("digest", [reference, options]);
    return (await headManifest(this.ctx, reference, this.#platformed(options))).digest;
  }

  /** HEAD of a manifest: digest and where it came from (`source`), media type, size, headers. */
  async head(reference: ReferenceInput, options?: HeadOptions): Promise<HeadResult> {
    this.#begin("head", [reference, options]);
    return headManifest(this.ctx, reference, this.#platformed(options));
  }

  /**
   * The image manifest for a platform (default: the client's platform, normally the host's). When the reference
   * names an index, the result's `index` holds the index's digest, as ocidist's pull reports both. A platform named
   * here is checked against a single image's config as `manifest(ref, { platform })` checks it (a PlatformError for
   * an image of another platform, as `docker pull --platform` refuses it); the default platform is not: an image
   * built for one platform only is what the reference names, whatever the host.
   */
  async resolve(reference: ReferenceInput, platform?: string, options?: Omit<ManifestOptions, "platform">) {
    this.#begin("resolve", [reference, platform, options]);
    if (platform !== undefined)
      return getAskedManifest(this.ctx, reference, this.#calls({ ...options, platform }));
    return getManifest(this.ctx, reference, this.#calls({ ...options, platform: this.ctx.platform }));
  }

  // ── referrers and artifacts (issue 13; src/referrers/) ────────────────────────────────────────────────────────

  /**
   * The manifests that refer to an image (signatures, SBOMs, attestations): the OCI 1.1 referrers API, else the
   * referrers tag schema (`sha256-<hex>`), plus cosign's `.sig`/`.att`/`.sbom` tags, as one list whose entries say
   * where each was found (`source`). `artifactType` filters (by the registry when it can).
   */
  async referrers(reference: ReferenceInput, options?: ReferrersOptions): Promise<ReferrersResult> {
    this.#begin("referrers", [reference, options]);
    const { listReferrers } = await import("./verbs.js");
    return listReferrers(this.ctx, reference, this.#calls(options));
  }

  /**
   * Copies the referrers of `source` (recursively; cosign's tags too) to the repository of `target`, which must
   * already hold the image with the same digest; the target's fallback indexes are kept where it has no referrers API.
   */
  async copyReferrers(
    source: ReferenceInput,
    target: ReferenceInput,
    options?: CopyReferrersOptions,
  ): Promise<CopyReferrersResult> {
    this.#begin("copyReferrers", [source, target, options]);
    const { copyReferrers } = await import("./verbs.js");
    return copyReferrers(this.ctx, source, target, this.#calls(options));
  }

  /** The referrers of an image and theirs, as a tree (signatures of SBOMs, …), `depth` levels at most (default 8). */
  async referrerTree(reference: ReferenceInput, options?: ReferrerTreeOptions): Promise<ReferrerTree> {
    this.#begin("referrerTree", [reference, options]);
    const { referrerTree } = await import("./verbs.js");
    return referrerTree(this.ctx, reference, this.#calls(options));
  }

  /**
   * Pushes files as an OCI 1.1 artifact (`artifactType`, the empty config, one layer per file titled by its name),
   * optionally referring to a `subject` of the same repository; on a registry without the referrers API the subject's
   * fallback tag index is updated too. A reference without a tag pushes by digest only.
   */
  async pushArtifact(reference: ReferenceInput, options: PushArtifactOptions): Promise<PushArtifactResult> {
    this.#begin("pushArtifact", [reference, options]);
    const { pushArtifact } = await import("./verbs.js");
    return pushArtifact(this.ctx, reference, this.#calls(options) ?? options);
  }

  /** Writes an artifact's files into `directory` by their titles, each verified, none outside the directory. */
  async pullArtifact(
    reference: ReferenceInput,
    directory: string,
    options?: { signal?: AbortSignal },
  ): Promise<PullArtifactResult> {
    this.#begin("pullArtifact", [reference, directory, options]);
    const { pullArtifact } = await import("./verbs.js");
    return pullArtifact(this.ctx, reference, directory, this.#calls(options));
  }

  // ── indexes by hand (issue 13; src/indexes/) ──────────────────────────────────────────────────────────────────

  /**
   * Creates an index over manifests pushed separately and puts it at `target` (a tag), as `regctl index create` and
   * `oras manifest index create`: `reg.createIndex("team/app:1.0", ["team/app:1.0-amd64", "team/app:1.0-arm64"])`.
   * Each image is listed with the platform its config names; an index given as a source gives its children. Sources
   * in other repositories (or registries) are copied to the target's by digest first. An OCI image index, or a
   * Docker manifest list when every child is a Docker manifest (`mediaType` chooses).
   */
  async createIndex(
    target: ReferenceInput,
    sources: readonly ReferenceInput[],
    options?: CreateIndexOptions,
  ): Promise<IndexResult> {
    this.#begin("createIndex", [target, sources, options]);
    const { createIndex } = await import("./verbs.js");
    return createIndex(this.ctx, target, sources, this.#calls(options));
  }

  /**
   * Edits the index at `target` (or at `from`, which is left as it is) and puts the result at `target`: `append`
   * manifests, `remove` entries by platform or digest, keep only `platforms`, merge `annotations` and
   * `entryAnnotations`: `reg.editIndex("team/app:1.0", { remove: ["linux/arm/v7"] })`. Media types, `artifactType`
   * and `subject` are kept.
   */
  async editIndex(target: ReferenceInput, edits: EditIndexOptions): Promise<IndexResult> {
    this.#begin("editIndex", [target, edits]);
    const { editIndex } = await import("./verbs.js");
    return editIndex(this.ctx, target, this.#calls(edits) ?? edits);
  }

  // ── blobs and images ───────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A blob of a repository: `reg.blob("library/alpine", "sha256:…")` or `reg.blob("alpine@sha256:…")`. Nothing is
   * fetched until `.stream()`, `.toFile(path)`, `.bytes()`, `.text()` or `.json()` is called.
   */
  blob(repository: RepositoryInput, digest?: string, options: { size?: number } = {}): BlobHandle {
    this.#begin("blob", [repository, digest, options]);
    let repo: RepositoryReference;
    if (digest === undefined) {
      const ref = toReference(this.ctx, repository as ReferenceInput);
      if (!ref.digest)
        throw new UsageError(
          "blob() needs a digest: reg.blob(repository, digest) or reg.blob('repo@sha256:…')",
        );
      digest = ref.digest;
      repo = ref.repositoryOnly();
    } else {
      repo = toRepository(this.ctx, repository);
    }
    return new BlobHandle(this.ctx, repo, digest, options.size);
  }

  /** A blob's size by HEAD (the Ruby gem's `blob_size`); undefined when it does not exist. */
  async blobSize(repository: RepositoryInput, digest: string, options?: { signal?: AbortSignal }) {
    this.#begin("blobSize", [repository, digest, options]);
    return this.blob(repository, digest).size(options);
  }

  /** Whether the repository has the blob. */
  async hasBlob(repository: RepositoryInput, digest: string, options?: { signal?: AbortSignal }) {
    this.#begin("hasBlob", [repository, digest, options]);
    return this.blob(repository, digest).exists(options);
  }

  /** The image config (resolving an index for the platform). */
  async config(reference: ReferenceInput, options?: ManifestOptions): Promise<ConfigResult> {
    this.#begin("config", [reference, options]);
    return getConfig(this.ctx, reference, this.#calls(options));
  }

  /**
   * Digest, media type, platforms, layers with sizes, total size, created, labels, what it runs; with
   * `referrers: true`, how many signatures, SBOMs and attestations refer to it.
   */
  async inspect(reference: ReferenceInput, options?: InspectOptions): Promise<ImageSummary> {
    this.#begin("inspect", [reference, options]);
    return inspectImage(this.ctx, reference, this.#platformed(options));
  }

  /** Total compressed size (config + layers, the Ruby gem's manifest_sum); for an index, summed over platforms. */
  async size(reference: ReferenceInput, options?: ManifestOptions): Promise<number> {
    this.#begin("size", [reference, options]);
    return (await inspectImage(this.ctx, reference, this.#platformed(options), false)).size;
  }

  // ── files of an image (issue 14; src/files/, docs/files.md) ──────────────────────────────────────────────────

  /**
   * A file of an image, read into memory and verified: `await reg.file("alpine:3.20", "/etc/os-release")` prints as
   * its text in the REPL. Layers are read from the top down, stopping at the first that settles the path (whiteouts
   * and opaque directories honoured); links are followed inside the image. Files over `limit` (64 MiB) are refused:
   * use {@link RegistryClient.fileStream}.
   */
  async file(reference: ReferenceInput, path: string, options?: FileOptions): Promise<ImageFile> {
    this.#begin("file", [reference, path, options]);
    const { readImageFile } = await import("./verbs.js");
    return readImageFile(this.ctx, reference, path, this.#platformed(options));
  }

  /** A file of an image as a stream (`regatta cat`), which ends once its layer is verified and errors otherwise. */
  async fileStream(
    reference: ReferenceInput,
    path: string,
    options?: ImageFilesOptions,
  ): Promise<ImageFileStream> {
    this.#begin("fileStream", [reference, path, options]);
    const { openImageFile } = await import("./verbs.js");
    return openImageFile(this.ctx, reference, path, this.#platformed(options));
  }

  /** The entries of a directory of an image's merged filesystem (`recursive`: everything under it), sorted. */
  async listFiles(
    reference: ReferenceInput,
    path = "/",
    options?: ImageFilesOptions & { recursive?: boolean },
  ): Promise<ImageFileListing> {
    this.#begin("listFiles", [reference, path, options]);
    const { listImageFiles } = await import("./verbs.js");
    return listImageFiles(this.ctx, reference, path, this.#platformed(options));
  }

  /**
   * The image's merged filesystem (whiteouts applied) as one tar, as `crane export`: to a file, atomically, or to a
   * writable stream (left open). Streams: memory holds the paths seen, never a file.
   */
  async exportFilesystem(
    reference: ReferenceInput,
    target: string | Writable,
    options?: ExportOptions,
  ): Promise<ExportResult> {
    this.#begin("exportFilesystem", [reference, target, options]);
    const { exportImageFilesystem } = await import("./verbs.js");
    return exportImageFilesystem(this.ctx, reference, target, this.#platformed(options));
  }

  // ── explore: inventory and diff (issue 14; src/inventory/, src/diff/, docs/explore.md) ───────────────────────

  /**
   * Every tag of a repository with its digest, media type, platforms, created date and total size, and which tags
   * name the same manifest: `await reg.inventory("team/api", { sort: "created" })`. One HEAD per tag, then one GET
   * per distinct manifest (an index's children included) and per distinct config, `concurrency` tags at a time;
   * `onProgress` hears each tag done. `include`/`exclude` choose tags as `allTags` does.
   */
  async inventory(repository: RepositoryInput, options?: InventoryOptions): Promise<Inventory> {
    this.#begin("inventory", [repository, options]);
    const { inventoryRepository } = await import("./verbs.js");
    return inventoryRepository(this.ctx, repository, this.#calls(options));
  }

  /**
   * What differs between two images: manifest and config fields (Env, Cmd, Entrypoint, labels, user, working dir,
   * ports, created, platform), layers shared, added, removed and changed, and with `files: true` the files of the two
   * merged filesystems (every layer streamed, whiteouts honoured): `await reg.diff("app:1.0", "app:1.1")`. An index
   * against an image is resolved to `platform` (default the client's) and the result's `notes` say so; two indexes
   * without `platform` compare their platform lists and each common platform's images (`kind: "index"`).
   */
  async diff(a: ReferenceInput, b: ReferenceInput, options?: DiffOptions): Promise<Diff> {
    this.#begin("diff", [a, b, options]);
    const { diffReferences } = await import("./verbs.js");
    return diffReferences(this.ctx, a, b, this.#platformed(options));
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Pushes a blob from bytes, a stream, or a stream factory (`() => fs.createReadStream(file)`, which makes an
   * interrupted upload resumable). Asks the registry first when the digest is known and sends nothing it has.
   */
  async pushBlob(
    repository: RepositoryInput,
    source: BlobSource,
    options?: PushBlobOptions,
  ): Promise<PushBlobResult> {
    this.#begin("pushBlob", [repository, source, options]);
    return pushBlob(this.ctx, repository, source, this.#calls(options));
  }

  /** Mounts a blob from another repository of the same registry; streams it over when the registry declines. */
  async mountBlob(
    from: RepositoryInput,
    to: RepositoryInput,
    digest: string,
    options?: { size?: number; signal?: AbortSignal },
  ): Promise<PushBlobResult> {
    this.#begin("mountBlob", [from, to, digest, options]);
    return mountBlob(this.ctx, from, to, digest, this.#calls(options));
  }

  /**
   * Pushes a manifest: exact bytes (sent as they are), anything with `bytes` and `mediaType` (a fetched manifest),
   * or an object (serialised once). The registry's `Docker-Content-Digest` is checked against the bytes' digest.
   */
  async putManifest(
    reference: ReferenceInput,
    manifest: ManifestInput,
    options?: PutManifestOptions,
  ): Promise<PutManifestResult> {
    this.#begin("putManifest", [reference, manifest, options]);
    return putManifest(this.ctx, reference, manifest, this.#calls(options));
  }

  /**
   * Converts an image to a Docker schema 1 manifest (as distribution's schema 1 builder does), signs it with a libtrust
   * key and pushes it to `target` (a tag), copying its layers there when the registry lacks them: for registries and
   * clients that speak only schema 1. The registry must accept schema 1 (distribution: `compatibility.schema1.enabled`).
   */
  async pushSchema1(
    source: ReferenceInput,
    target: ReferenceInput,
    options: PushSchema1Options,
  ): Promise<PushSchema1Result> {
    this.#begin("pushSchema1", [source, target, options]);
    const { pushSchema1 } = await import("./verbs.js");
    return pushSchema1(this.ctx, source, target, this.#platformed(options)!);
  }

  /** What {@link RegistryClient.pushSchema1} would push, without pushing: the schema 1 manifest, signed given a key. */
  async convertToSchema1(
    source: ReferenceInput,
    target: ReferenceInput,
    options?: ConvertSchema1Options,
  ): Promise<Schema1Conversion> {
    this.#begin("convertToSchema1", [source, target, options]);
    const { convertToSchema1 } = await import("./verbs.js");
    return convertToSchema1(this.ctx, source, target, this.#platformed(options));
  }

  /** Tags a manifest under another tag (`"v2"`) or name in the same registry; no blob moves, the digest stays. */
  async tag(source: ReferenceInput, target: ReferenceInput, options?: { signal?: AbortSignal }) {
    this.#begin("tag", [source, target, options]);
    const { tagImage } = await import("./verbs.js");
    return tagImage(this.ctx, source, target, this.#calls(options));
  }

  /**
   * Copies an image, index or artifact to another reference, in this registry or another (credentials per registry
   * come from the client's credential sources, see `registryCredentials`). Blobs stream from source to target.
   */
  async copy(source: ReferenceInput, target: ReferenceInput, options?: CopyOptions): Promise<CopyResult> {
    this.#begin("copy", [source, target, options]);
    const { copyImage } = await import("./verbs.js");
    return copyImage(this.ctx, source, target, this.#calls(options));
  }

  /**
   * Deletes one tag, leaving the manifest and its other tags: OCI 1.1's tag delete, else (distribution 2.x) a
   * throwaway manifest pushed to the tag and deleted by digest. See {@link deleteTag}.
   */
  async deleteTag(reference: ReferenceInput, options?: TagWalkOptions): Promise<DeletedTag> {
    this.#begin("deleteTag", [reference, options]);
    const { deleteTag } = await import("./verbs.js");
    return deleteTag(this.ctx, reference, this.#calls(options));
  }

  /**
   * Deletes a manifest by digest; every tag naming it goes too and is listed in the result. Given a tag, refuses
   * (code OTHER_TAGS) when other tags name the manifest, unless `force`.
   */
  async deleteManifest(reference: ReferenceInput, options?: DeleteManifestOptions): Promise<DeletedManifest> {
    this.#begin("deleteManifest", [reference, options]);
    const { deleteManifest } = await import("./verbs.js");
    return deleteManifest(this.ctx, reference, this.#calls(options));
  }

  /**
   * Deletes every manifest of every tag of a repository (the Ruby gem's `rmrepo`), every index before the manifests
   * it lists; the result says what was deleted, what failed and what was kept. See {@link deleteRepository}.
   */
  async deleteRepository(
    repository: RepositoryInput,
    options?: DeleteRepositoryOptions,
  ): Promise<DeletedRepository> {
    this.#begin("deleteRepository", [repository, options]);
    const { deleteRepository } = await import("./verbs.js");
    return deleteRepository(this.ctx, repository, this.#calls(options));
  }

  /** Deletes a blob from a repository. */
  async deleteBlob(
    repository: RepositoryInput,
    digest: string,
    options?: { signal?: AbortSignal },
  ): Promise<void> {
    this.#begin("deleteBlob", [repository, digest, options]);
    const { deleteBlob } = await import("./verbs.js");
    return deleteBlob(this.ctx, repository, digest, this.#calls(options));
  }

  // ── disk: pull and push ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Pulls images to disk: a docker archive (`.tar`, or a writable stream such as stdout), an OCI layout, or a
   * boater-style directory (`format`, else guessed from `destination`). An index is resolved to `platform` (default
   * the client's), or kept whole with `platforms: "all"`. Blobs download in parallel, verified, resumably.
   */
  async pull(
    reference: ReferenceInput | ReferenceInput[],
    destination: string | Writable,
    options?: PullOptions,
  ): Promise<PullResult> {
    this.#begin("pull", [reference, destination, options]);
    const { pullImages } = await import("./verbs.js");
    return pullImages(this.ctx, reference, destination, this.#calls(options));
  }

  /**
   * Pushes an image from disk (a docker archive, or a stream of one; an OCI layout; a boater-style directory) to
   * `reference`, through `pushBlob` and `putManifest`: manifests keep their bytes, so their digests.
   */
  async push(
    source: string | Readable,
    reference: ReferenceInput,
    options?: PushOptions,
  ): Promise<PushResult> {
    this.#begin("push", [source, reference, options]);
    const { pushImage } = await import("./verbs.js");
    return pushImage(this.ctx, source, reference, this.#calls(options));
  }

  // ── mirroring ──────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Plans a sync without changing anything: each tag's up-to-date check (HEAD at both ends), the manifests to copy
   * (fetched and kept for {@link RegistryClient.sync}), the blobs to skip, mount or upload, the manifest GETs that
   * count against a pull quota. Deterministic: the same jobs and registry content give the same plan.
   */
  async planSync(jobs: SyncJob | readonly SyncJob[], options?: SyncOptions): Promise<SyncPlan> {
    this.#begin("planSync", [jobs, options]);
    const { planSync } = await import("./verbs.js");
    return planSync(this.ctx, Array.isArray(jobs) ? jobs : [jobs as SyncJob], this.#calls(options));
  }

  /**
   * Mirrors repositories (all their tags, or those the filters choose) between registries, or between a registry
   * and an OCI layout (`oci:DIR`), as `skopeo sync`: planned, then executed `jobs` images at a time, each blob sent
   * once per target repository. Given a plan from {@link RegistryClient.planSync}, executes that one.
   */
  async sync(input: SyncInput, options?: SyncOptions): Promise<SyncResult> {
    this.#begin("sync", [input, options]);
    const { syncImages } = await import("./verbs.js");
    return syncImages(this.ctx, input, this.#calls(options));
  }

  /**
   * The pull quota of the registry a reference is on (Docker Hub's RateLimit-Limit / RateLimit-Remaining), read from
   * a HEAD of its manifest, which Docker Hub does not count; undefined when the registry announces none.
   */
  async rateLimit(
    reference: ReferenceInput,
    options?: { signal?: AbortSignal },
  ): Promise<RateLimitInfo | undefined> {
    this.#begin("rateLimit", [reference, options]);
    const { readRateLimit } = await import("./verbs.js");
    return readRateLimit(this.ctx, reference, this.#calls(options));
  }

  // ── connection ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** GET /v2/ on a registry (default: the client's): status and API version. */
  async ping(registry?: string, options: { signal?: AbortSignal } = {}) {
    this.#begin("ping", [registry, options]);
    return this.ctx.transport.ping(toRegistry(this.ctx, registry), this.#calls(options)?.signal);
  }

  /** How the client authenticates to a registry: scheme, username, realm; never the secret. */
  whoami(registry?: string): AuthDescription {
    checkArguments("whoami", [registry]); // no request: a closed client still says how it authenticates
    return this.ctx.authenticator.describe(toRegistry(this.ctx, registry));
  }

  /**
   * Explains, step by step, how the client authenticates for a reference and why a request would be allowed or
   * refused: the challenge of `GET /v2/`, where the credentials came from, the token request and its answer, what
   * the token grants (decoded claims), and a probe of pull (a manifest HEAD) and, with `push`, of push (an upload
   * opened and cancelled). Plain data, scrubbed of every secret; never the token or the password.
   */
  async explainAuth(reference: ReferenceInput, options?: ExplainAuthOptions): Promise<AuthReport> {
    this.#begin("explainAuth", [reference, options]);
    const { explainAuth } = await import("./verbs.js");
    return explainAuth(this.ctx, toReference(this.ctx, reference), this.#calls(options));
  }

  /** {@link explainAuth} under the short name the REPL is typed with: `await reg.explain("team/api")`. */
  async explain(reference: ReferenceInput, options?: ExplainAuthOptions): Promise<AuthReport> {
    this.#begin("explain", [reference, options]);
    return this.explainAuth(reference, options);
  }

  /**
   * Closes the connections, once the calls in flight are done (a download being read goes on to its end). Every
   * call after it, on this client or any sharing its connections (`with()`), is a UsageError before any request.
   * Safe to call twice.
   */
  close(): Promise<void> {
    markClosed(this.ctx);
    return this.ctx.transport.close();
  }

  toString(): string {
    return `RegistryClient(${this.ctx.defaultRegistry})`;
  }

  /** What every verb does first: a closed client refuses, then the arguments are checked (call-arguments.ts). */
  #begin(verb: Parameters<typeof checkArguments>[0], args: unknown[]): void {
    assertOpen(this.ctx, verb);
    checkArguments(verb, args);
  }

  /** {@link #calls} plus the platform `with({ platform })` chose, when the call names none. */
  #platformed<T extends { signal?: AbortSignal; platform?: unknown }>(options: T | undefined): T | undefined {
    const chosen = this.ctx.chosenPlatform;
    if (chosen === undefined || options?.platform !== undefined) return this.#calls(options);
    return this.#calls({ ...options, platform: chosen } as T);
  }

  /** A call's `registry` option checked as an address ({@link toRegistry}), before any request. */
  #addressed<T extends { registry?: string }>(options: T | undefined): T | undefined {
    if (options?.registry === undefined) return options;
    return { ...options, registry: toRegistry(this.ctx, options.registry) };
  }

  /** A call's options with the client's signal (`with({ signal })`) joined to its own. */
  #calls<T extends { signal?: AbortSignal }>(options: T | undefined): T | undefined {
    return withClientSignal(this.ctx, options);
  }
}
