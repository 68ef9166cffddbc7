export { abortable, abortedError } from "./abortable.js";
export {
  type AccessFacts,
  type AccessOperation,
  accessHint,
  accessOperation,
  describeAccess,
  elsewhereHint,
  namesOtherReason,
  otherReasonHint,
  type ScopeLike,
  unchallengedHint,
  withheldHint,
} from "./access.js";
export { type ErrorResponse, errorFromResponse, foreignText } from "./from-response.js";
export {
  type AnswerFacts,
  NOT_A_REGISTRY,
  notRegistryError,
  notRegistrySuccess,
} from "./not-a-registry.js";
export { quotePath, quoteText } from "./path-text.js";
export { charAt, describeProblem, type Problem, shiftProblem } from "./problem.js";
export {
  REDACTED,
  redactHeaders,
  redactUrl,
  SAFE_QUERY_PARAMS,
  SECRET_HEADERS,
  urlSecrets,
} from "./redact.js";
export {
  AbortError,
  AuthenticationError,
  AuthorizationError,
  CredentialsError,
  DigestMismatchError,
  FileSystemError,
  InvalidDigestError,
  InvalidManifestError,
  InvalidReferenceError,
  NotFoundError,
  ProtocolError,
  RegattaError,
  type RegattaErrorOptions,
  RegistryError,
  RegistryUnreachableError,
  type RequestSummary,
  SignatureError,
  SizeMismatchError,
  TimeoutError,
  TlsError,
  TooManyRequestsError,
  UnsupportedError,
  UsageError,
} from "./regatta-error.js";
export {
  parseRegistryErrors,
  REGISTRY_ERROR_CODES,
  RETRYABLE_CODES,
  RETRYABLE_STATUSES,
  type RegistryErrorCode,
  type RegistryErrorEntry,
} from "./registry-codes.js";
export { fragmentLength, SCRUBBED, SecretSet, scrubText, scrubValue } from "./secret-set.js";
export { shellWord } from "./shell-word.js";
export { MAX_TIMEOUT_MS } from "./timer-limit.js";
export { maskUserinfo, USERINFO_MASK, userinfoPasswords, userinfoRanges } from "./userinfo.js";
export { formatWait, retryAfterText } from "./wait-text.js";
