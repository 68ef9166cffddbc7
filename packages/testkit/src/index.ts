export {
  type FakeManifest,
  FakeRegistryStore,
  type FakeRepositories,
  type FakeRepositoryContent,
  fakeRepository,
  type StoredRepository,
  type StoredUpload,
} from "./fake-store.js";
export {
  countCases,
  type FaultCase,
  faultCases,
  MATRIX_COMMANDS,
  MATRIX_FAULTS,
  MATRIX_SLOW_BYTES_PER_SECOND,
  type MatrixCommand,
  type MatrixExpectation,
} from "./fault-matrix.js";
export {
  type Fault,
  type FaultProxy,
  type FaultRequest,
  type FaultRule,
  type SeenRequest,
  startFaultProxy,
  WRONG_DIGEST,
} from "./fault-proxy.js";
export { fileLayerBlob, type LayerFileEntry, tarOfEntries } from "./file-layer.js";
export { distributionFlavour, distributionHandlers } from "./flavours/distribution.js";
export { DOCKER_HUB_PULL_LIMIT, dockerHubFlavour, dockerHubHandlers } from "./flavours/docker-hub.js";
export { ecrFlavour, ecrHandlers } from "./flavours/ecr.js";
export { falseSubjectFlavour, falseSubjectHandlers } from "./flavours/false-subject.js";
export { garFlavour, garHandlers } from "./flavours/gar.js";
export { ghcrFlavour, ghcrHandlers } from "./flavours/ghcr.js";
export { harborFlavour, harborHandlers } from "./flavours/harbor.js";
export {
  gitlabFlavour,
  gitlabHandlers,
  oci11Flavour,
  oci11Handlers,
  oci11UnfilteredFlavour,
} from "./flavours/oci11.js";
export { quayBareLinkFlavour, quayFlavour, quayHandlers } from "./flavours/quay.js";
export { getFreePort } from "./free-port.js";
export {
  FUZZ_MAX_MS_PER_INPUT,
  FUZZ_RUNS,
  FUZZ_TEST_TIMEOUT_MS,
  FuzzFinding,
  type FuzzOutcome,
  fuzzParse,
} from "./fuzz.js";
export {
  type GeneratedImage,
  type GeneratedIndex,
  type GeneratedLayer,
  type GenerateImageOptions,
  type GenerateIndexOptions,
  generateImage,
  generateIndex,
} from "./generate-image.js";
export {
  type GeneratedLargeImage,
  type GeneratedLayerFile,
  type GenerateLargeImageOptions,
  generateLargeImage,
} from "./generate-large-image.js";
export { harSchemaErrors } from "./har-schema.js";
export {
  type EchoSecretsOptions,
  type EndlessPaginationOptions,
  type EscapesOptions,
  echoBody,
  type ForeignNextLinkOptions,
  HOSTILE_BEHAVIOURS,
  type HostileBehaviour,
  type HostileBehaviourName,
  type HostileContext,
  type HostileHandler,
  type HostileRegistry,
  type HostileRegistryOptions,
  type HostileRequestRecord,
  htmlAndDoubleBase64Spellings,
  LIE_DIGEST,
  type LyingDigestOptions,
  type MetadataRealmOptions,
  type SelfRelative,
  startHostileRegistry,
  TERMINAL_PAYLOADS,
  type TokenRedirectOptions,
} from "./hostile/index.js";
export type { GeneratedDocument } from "./image-json.js";
export {
  collect,
  FakeAuthenticator,
  type FakeAuthorizeRequest,
  readRequest,
  startServer,
  TEST_CERT,
  TEST_KEY,
  type TestHandler,
  type TestServer,
} from "./loopback-server.js";
export {
  type Descriptor,
  formatPlatform,
  MEDIA_TYPES,
  type MediaTypeFamily,
  type MediaTypeSet,
  type Platform,
  parsePlatform,
} from "./media-types.js";
export {
  createMswDispatcher,
  MswDispatcher,
  type MswDispatcherOptions,
  type MswDispatchRecord,
  MswUnhandledRequestError,
} from "./msw-dispatcher.js";
export {
  type ConnectionRecorder,
  type NetnsOptions,
  type RecordedConnection,
  recordConnections,
  runInNetns,
} from "./netns.js";
export { type OciSchemaKind, ociSchemaErrors } from "./oci-schema/oci-schema.js";
export { type PushableImage, type PushResult, pushImage } from "./push-image.js";
export {
  type RefusalPolicy,
  type RefusingUploadServer,
  startRefusingUploadServer,
  type UnreadRefusal,
  type UploadRequestSeen,
} from "./refusing-upload-server.js";
export type {
  FlavourError,
  FlavourFault,
  NegotiationContext,
  NegotiationResult,
  RegistryFlavour,
  RouteContext,
  RouteKind,
} from "./registry-flavour.js";
export {
  createRegistryHandlers,
  type FakeRegistryAuth,
  type FakeRequestRecord,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "./registry-handlers.js";
export {
  createRegistrySession,
  type PlainCredentials,
  parseChallengeParams,
  type RegistrySession,
} from "./registry-session.js";
export { seededBytes, seededStream } from "./seeded-random.js";
export {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
  type SelfSignedCertificateOptions,
} from "./self-signed-certificate.js";
export { type ServedHandlers, serveHandlers } from "./serve-handlers.js";
export { shellArgv } from "./shell-argv.js";
export {
  type RegistryAuth,
  type RunningRegistry,
  type StartRegistryOptions,
  startRegistry,
} from "./start-registry.js";
export {
  createTestCertificates,
  type MtlsRegistry,
  startMtlsRegistry,
  type TestCertificates,
} from "./start-tls-registry.js";
export { tempDirs } from "./temp-dirs.js";
export {
  createTokenEndpoint,
  DEFAULT_USERS,
  type TokenEndpoint,
  type TokenEndpointOptions,
  type TokenRequestRecord,
} from "./token-endpoint.js";
export {
  formatScope,
  parseScopes,
  type SignTokenOptions,
  type TokenAccess,
  TokenIssuer,
  type TokenSigner,
  type VerifiedToken,
} from "./token-issuer.js";
export { startTokenServer, type TokenServer, type TokenServerOptions } from "./token-server.js";
export { useRegistry } from "./use-registry.js";
