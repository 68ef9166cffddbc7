// The client is the one package apps need: it re-exports the errors and the value packages they use.
/** Saving and removing a login (`regatta login` / `logout`); reading credentials stays inside the client. */
export {
  type CredentialLocation,
  type CredentialSource,
  type CredentialStoreOptions,
  credentialStoreEntry,
  credentialStoreFile,
  describeCredentialSource,
  eraseCredential,
  otherCredentialFiles,
  storeCredential,
  type TokenAccessClaim,
  type TokenExchangeTrace,
} from "@regatta/auth";
export * from "@regatta/errors";
export { fileSystemError, type LayoutFormat, statRegularFile, writeFileAtomic } from "@regatta/layout";
export * as manifests from "@regatta/manifest";
export {
  DEFAULT_REGISTRY,
  parseReference,
  parseRegistry,
  parseRepository,
  Reference,
  RepositoryReference,
} from "@regatta/reference";
/** Regatta's version (every published @regatta package shares it) and the User-Agent it sends by default. */
export {
  DEFAULT_USER_AGENT,
  HAR_BODY_LIMIT,
  type HarEntry,
  type HarLog,
  HarRecorder,
  MAX_TIMEOUT_MS,
  VERSION,
} from "@regatta/transport";
export { BlobHandle, type BlobReadOptions, type BlobSaved } from "./blob-handle.js";
export { unknownOptionError, verbOptions } from "./call-arguments.js";
export type { CatalogOptions, CatalogPage } from "./catalog.js";
export { checkCredentials, connect, createClient, hasExplicitCredentials } from "./connect.js";
export type { ConnectOptions } from "./connect-options.js";
export {
  checkNamesWhatToDelete,
  joinSignals,
  type ReferenceInput,
  type RepositoryInput,
  type SignalSource,
} from "./context.js";
export {
  type BlobOutcome,
  type CopyOptions,
  type CopyResult,
  DEFAULT_COPY_CONCURRENCY,
} from "./copy.js";
export type {
  DeletedManifest,
  DeletedTag,
  DeleteManifestOptions,
  ReferrersOfDeleted,
  TagDeleteMethod,
} from "./delete.js";
export type {
  DeletedRepository,
  DeleteRepositoryOptions,
  FailedManifestDelete,
  KeptManifest,
  RepositoryManifest,
} from "./delete-repository.js";
export type { ConfigDiff, ConfigField, FieldChange, MapDiff } from "./diff/config-diff.js";
export type { FileChange, FileChangeKind, FilesDiff } from "./diff/files-diff.js";
export {
  type Diff,
  type DiffImageSide,
  type DiffIndexSide,
  type DiffOptions,
  type ImageDiff,
  type IndexDiff,
  imageDiffEmpty,
} from "./diff/image-diff.js";
export type { LayerDiff, LayerRef } from "./diff/layer-diff.js";
export type {
  AuthOutcome,
  AuthReport,
  ChallengeStep,
  CredentialsStep,
  GrantsStep,
  ProbeStep,
  TokenStep,
} from "./explain/auth-report.js";
export type { ExplainAuthOptions } from "./explain/explain-auth.js";
export type { IndexedFile } from "./files/filesystem-index.js";
export { ImageFile, looksLikeText } from "./files/image-file.js";
export type {
  ExportOptions,
  ExportResult,
  FileOptions,
  ImageFileListing,
  ImageFileStream,
  ImageFilesOptions,
} from "./files/image-files.js";
export type { FileEntry, FileType } from "./files/list-files.js";
export {
  type DigestSource,
  type HeadOptions,
  type HeadResult,
  MAX_MANIFEST_BYTES,
  type ManifestOptions,
  type ManifestResult,
} from "./get-manifest.js";
export { checkHarPath, checkOutputDirectory, writeHarFile, writeHarFileNow } from "./har-file.js";
export { type HostSettings, type Hosts, type HostTls, mergeHosts } from "./hosts.js";
export type {
  ConfigResult,
  ImageSummary,
  InspectOptions,
  LayerSummary,
  PlatformSummary,
} from "./image-info.js";
export type { CreateIndexOptions } from "./indexes/create-index.js";
export type { EditIndexOptions } from "./indexes/edit-index.js";
export type { BroughtManifest } from "./indexes/index-sources.js";
export type { IndexEntrySummary, IndexResult } from "./indexes/put-index.js";
export {
  INVENTORY_SORTS,
  type Inventory,
  type InventoryFailure,
  type InventoryOptions,
  type InventoryProgress,
  type InventorySort,
  type InventoryTag,
} from "./inventory/inventory.js";
export { INVENTORY_CSV_COLUMNS, inventoryCsv } from "./inventory/inventory-csv.js";
export type { PulledReference, PullOptions, PullResult } from "./layout/pull.js";
export type { PushOptions, PushResult } from "./layout/push.js";
export type { AllTagsOptions, TagList, TagsOptions, TagsWithDigests } from "./list-tags.js";
export { blobLimit, SMALL_BLOB_BYTES, type WeightedLimit } from "./map-concurrent.js";
export {
  type BlobSource,
  type PushBlobOptions,
  type PushBlobResult,
  SINGLE_POST_LIMIT,
} from "./push-blob.js";
export type { ManifestInput, PutManifestOptions, PutManifestResult } from "./put-manifest.js";
export type {
  CopiedReferrer,
  CopyReferrersOptions,
  CopyReferrersResult,
} from "./referrers/copy-referrers.js";
export type { DeletedReferrer } from "./referrers/delete-referrers.js";
export type {
  Referrer,
  ReferrerSource,
  ReferrersOptions,
  ReferrersResult,
} from "./referrers/list-referrers.js";
export type { PullArtifactResult, PulledFile } from "./referrers/pull-artifact.js";
export {
  type ArtifactFile,
  DEFAULT_FILE_MEDIA_TYPE,
  type PushArtifactOptions,
  type PushArtifactResult,
  TITLE_ANNOTATION,
} from "./referrers/push-artifact.js";
export type { ReferrerNode, ReferrerTree, ReferrerTreeOptions } from "./referrers/referrer-tree.js";
export { type ClientDefaults, RegistryClient } from "./registry-client.js";
export {
  type ConvertSchema1Options,
  loadSchema1Key,
  type PushSchema1Options,
  type PushSchema1Result,
  type Schema1Conversion,
} from "./schema1.js";
export { DEFAULT_SYNC_JOBS, targetCollisions } from "./sync/plan.js";
export { syncFailure } from "./sync/plan-run.js";
export { parseQuotaHeader, type RateLimitInfo, rateLimitFromHeaders } from "./sync/rate-limit.js";
export { RateLimitLowError } from "./sync/rate-limit-guard.js";
export { checkShard, parseShard, shardJobs } from "./sync/shard.js";
export type { SyncInput } from "./sync/sync.js";
export type {
  BlobAction,
  PlannedImage,
  PlannedRepository,
  RateLimitPolicy,
  Shard,
  SyncedImage,
  SyncJob,
  SyncOptions,
  SyncPlan,
  SyncResult,
  SyncTotals,
  TagFilter,
} from "./sync/sync-types.js";
export { selectSyncTags, syncTagFilter } from "./sync/tag-selection.js";
export { anywhereInTag, tagPatternError } from "./tag-pattern.js";
export {
  compareNatural,
  compareSemver,
  selectTags,
  sortTags,
  TAG_SORTS,
  type TagSelection,
  type TagSort,
  tagFilter,
} from "./tag-selection.js";
export { DEFAULT_TAG_WALK_LIMIT, type ListingIndex, type TagWalkOptions } from "./tags-for-digest.js";
export type {
  BlobEvent,
  BlobState,
  ManifestState,
  OnTransferProgress,
  TransferBlob,
  TransferEvent,
} from "./transfer-events.js";
