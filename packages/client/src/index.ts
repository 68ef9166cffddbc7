// The client is the one package apps need: it re-exports the errors and the value packages they use.
export * from "@regatta/errors";
export * as manifests from "@regatta/manifest";
export {
  parseReference,
  parseRegistry,
  parseRepository,
  Reference,
  RepositoryReference,
} from "@regatta/reference";
export { BlobHandle, type BlobReadOptions, type BlobSaved } from "./blob-handle.js";
export type { CatalogOptions, CatalogPage } from "./catalog.js";
export { connect, createClient } from "./connect.js";
export type { ConnectOptions } from "./connect-options.js";
export type { ReferenceInput, RepositoryInput } from "./context.js";
export {
  type HeadResult,
  MAX_MANIFEST_BYTES,
  type ManifestOptions,
  type ManifestResult,
} from "./get-manifest.js";
export type { ConfigResult, ImageSummary, LayerSummary, PlatformSummary } from "./image-info.js";
export type { TagList, TagsOptions } from "./list-tags.js";
export { RegistryClient } from "./registry-client.js";
