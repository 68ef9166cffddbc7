// The digest grammar has one home, @regatta/manifest (issue 11); these names stay here so imports keep working.
export {
  type DigestAlgorithm,
  isValidDigest,
  type ParsedDigest,
  parseDigest as parseDigestString,
} from "@regatta/manifest";
export {
  apiHostOf,
  DEFAULT_REGISTRY,
  DEFAULT_TAG,
  DOCKER_HUB_ALIASES,
  DOCKER_HUB_API_HOST,
  DOCKER_HUB_CONFIG_KEY,
  OFFICIAL_NAMESPACE,
  REPOSITORY_NAME_MAX_LENGTH,
  TAG_MAX_LENGTH,
} from "./constants.js";
export { isLoopbackRegistry } from "./is-loopback-registry.js";
export { isValidRepositoryPath } from "./is-valid-repository-path.js";
export { normalizeRegistry } from "./normalize-registry.js";
export { type ParseReferenceOptions, parseReference } from "./parse-reference.js";
export { type ParsedRegistry, parseRegistry } from "./parse-registry.js";
export { type ParseRepositoryOptions, parseRepository } from "./parse-repository.js";
export { isValidRefName } from "./ref-name.js";
export { Reference, type ReferenceParts } from "./reference.js";
export { isRegistryLookalike } from "./registry-lookalike.js";
export type { RepositoryParts } from "./repository-parts.js";
export { RepositoryReference } from "./repository-reference.js";
export { layoutRefName, type SkopeoWord, skopeoTransport } from "./skopeo-transport.js";
export { isValidTag, validateTag } from "./validate-tag.js";
