/** The wording of a wait lives in @regatta/errors; re-exported for callers that still announce waits themselves. */
export { formatWait } from "@regatta/errors";
export { EVERY_REGISTRY, isInsecure, registryBaseUrl, type SchemeOptions } from "./base-url.js";
export { DEFAULT_BODY_LIMIT, ERROR_BODY_LIMIT } from "./body.js";
export { CredentialChain } from "./credential-chain.js";
export { createDispatcher, type DispatcherOptions, type OriginSettings } from "./dispatcher.js";
export type { BodyInit } from "./exchange.js";
export { HAR_BODY_LIMIT, type HarEntry, type HarLog, HarRecorder } from "./har.js";
export { HTTPS_PORT } from "./https-port.js";
export { formatBytes, type Logger } from "./log.js";
export { type FailedRequest, mapTransportError } from "./map-error.js";
export { quotaHeadersOf, type RateLimit, type RegistryResponse, rateLimitOf } from "./response.js";
export {
  backoffDelay,
  NOTICE_WAIT_MS,
  parseRetryAfter,
  RATE_LIMITED_MIN_DELAY_MS,
  RetryBudget,
  type RetryOptions,
  type RetryPolicy,
  rateLimitedDelay,
  retryReason,
  type WaitReason,
} from "./retry.js";
export {
  DEFAULT_TIMEOUTS,
  MAX_TIMEOUT_MS,
  type ResolvedTimeouts,
  resolveTimeouts,
  type Timeouts,
} from "./timeouts.js";
export { DEFAULT_USER_AGENT, Transport } from "./transport.js";
export type { PingResult, RegistryHostOptions, RegistryRequest, TransportOptions } from "./types.js";
export { createVerifyStream, type VerifyStreamOptions } from "./verify-stream.js";
export { VERSION } from "./version.js";
