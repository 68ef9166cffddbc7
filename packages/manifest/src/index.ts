export {
  type BuiltManifest,
  buildImageManifest,
  buildIndex,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  type ImageManifestInput,
  type IndexInput,
  type ManifestFlavor,
  type SerializedManifest,
  serializeManifest,
} from "./build-manifest.js";
export { computeDigest, computeDigestAsync, verifyDigest } from "./compute-digest.js";
export { type Descriptor, descriptorData } from "./descriptor.js";
export {
  DIGEST_GRAMMAR,
  type DigestAlgorithm,
  findDigestProblem,
  isDigestAlgorithm,
  isValidDescriptorDigest,
  isValidDigest,
  type ParsedDigest,
  parseDigest,
  SHORT_DIGEST_LENGTH,
  shortDigest,
} from "./digest.js";
export { type ContentVerifier, createVerifier, Digester } from "./digester.js";
export {
  type ContainerConfig,
  type HistoryEntry,
  type ImageConfig,
  parseImageConfig,
} from "./image-config.js";
export { type ImageIndex, type Index, MAX_INDEX_DEPTH } from "./image-index.js";
export type { ImageManifest } from "./image-manifest.js";
export {
  type AppendOptions,
  annotateIndex,
  appendToIndex,
  checkAnnotations,
  type IndexAnnotations,
  type IndexEntrySelector,
  isDockerList,
  keepPlatforms,
  removeFromIndex,
  selectEntries,
} from "./index-edit.js";
export { imageEntry, indexFlavorFor, notAnImage, platformOfConfig } from "./index-entry.js";
export { indexSizes, manifestSum, type PlatformSize } from "./manifest-sum.js";
export {
  ACCEPT_PRESETS,
  type AcceptPreset,
  ALL_MANIFEST_TYPES,
  acceptHeader,
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  IMAGE_CONFIG_TYPES,
  IMAGE_MANIFEST_TYPES,
  INDEX_TYPES,
  LAYER_TYPES,
  manifestKindOf,
  mediaTypeEssence,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
  SCHEMA1_TYPES,
} from "./media-types.js";
export {
  MAX_MANIFEST_BYTES,
  manifestDigest,
  type ParsedImageIndex,
  type ParsedImageManifest,
  type ParsedManifest,
  type ParsedSchema1Manifest,
  type ParseManifestOptions,
  parseManifest,
  verifyManifestDigest,
} from "./parse-manifest.js";
export {
  formatPlatform,
  type HostInfo,
  hostPlatform,
  normalizePlatform,
  type Platform,
  parsePlatform,
} from "./platform.js";
export { type Schema1Manifest, type Schema1Signature, schema1Payload } from "./schema1.js";
export {
  buildSchema1,
  GZIPPED_EMPTY_TAR,
  GZIPPED_EMPTY_TAR_DIGEST,
  type Schema1FromImage,
  type Schema1FromImageInput,
  type Schema1Parts,
  schema1FromImage,
} from "./schema1-build.js";
export {
  generateSchema1Key,
  libtrustKeyId,
  type Schema1Algorithm,
  type Schema1Curve,
  type Schema1PrivateKey,
  type Schema1PublicKey,
  schema1PrivateKey,
  schema1PublicKey,
} from "./schema1-key.js";
export {
  attachSchema1Signatures,
  type SignSchema1Options,
  signSchema1,
  type VerifiedSchema1,
  type VerifiedSchema1Signature,
  verifySchema1,
} from "./schema1-sign.js";
export {
  compatiblePlatforms,
  isAttestation,
  listPlatforms,
  type MatchOptions,
  matchPlatform,
  platformRank,
  selectManifest,
} from "./select-manifest.js";
