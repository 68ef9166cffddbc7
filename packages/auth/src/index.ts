export {
  checkedLookup,
  FORBIDDEN_ADDRESS,
  forbiddenAddress,
  forbiddenAddressError,
  hostIsThisMachine,
  ipFamily,
  type LookupFunction,
  LoopbackTrust,
  loopbackAddress,
  loopbackRefusalError,
} from "./address-policy.js";
export type { AuthTrace, CredentialTrace, TokenExchangeTrace } from "./auth-trace.js";
export { chainCredentials } from "./chain-credentials.js";
export { type AuthenticatorOptions, createAuthenticator } from "./create-authenticator.js";
export {
  credentialFromHelper,
  type HelperAction,
  type HelperResult,
  type HelperRunner,
  helperErase,
  helperServerUrl,
  helperStore,
  IDENTITY_TOKEN_USERNAME,
  type SpawnHelperOptions,
  spawnCredentialHelper,
} from "./credential-helper.js";
export {
  type CredentialFileFormat,
  type CredentialSource,
  credentialSource,
  describeCredentialSource,
  fromSource,
} from "./credential-source.js";
export {
  type CredentialLocation,
  type CredentialStoreOptions,
  credentialStoreEntry,
  credentialStoreFile,
  eraseCredential,
  otherCredentialFiles,
  storeCredential,
} from "./credential-store.js";
export { type DefaultCredentialsOptions, defaultCredentials } from "./default-credentials.js";
export {
  type DockerConfigOptions,
  dockerConfigCredentials,
  dockerConfigPath,
  type Env,
} from "./docker-config-credentials.js";
export { type Challenge, parseWwwAuthenticate } from "./parse-www-authenticate.js";
export {
  type PodmanAuthFileOptions,
  podmanAuthFileCredentials,
  podmanAuthFiles,
} from "./podman-auth-file-credentials.js";
export {
  formatScope,
  mergeScopes,
  PUSH_ACTIONS,
  parseScope,
  parseScopes,
  pushScope,
  repositoryScope,
  scopeKey,
  scopesCover,
} from "./scope.js";
export { anonymous, isAnonymous, type StaticCredential, staticCredentials } from "./static-credentials.js";
export { type StoredCredentialsOptions, storedCredentials } from "./stored-credentials.js";
export { decodeTokenClaims, type TokenAccessClaim, type TokenClaims } from "./token-claims.js";
export { MINIMUM_TOKEN_LIFETIME_S, parseTokenResponse, type Token } from "./token-response.js";
export type {
  AuthDescription,
  Authenticator,
  AuthHttpRequest,
  AuthHttpResponse,
  AuthorizeRequest,
  Credential,
  CredentialProvider,
  Scope,
  Send,
} from "./types.js";
export { validateRealm } from "./validate-realm.js";
