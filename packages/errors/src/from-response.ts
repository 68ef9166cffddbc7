import {
  type AccessFacts,
  accessHint,
  accessOperation,
  namesOtherReason,
  otherReasonHint,
  type ScopeLike,
} from "./access.js";
import { redactUrl } from "./redact.js";
import {
  AuthenticationError,
  AuthorizationError,
  NotFoundError,
  type RegattaErrorOptions,
  RegistryError,
  TooManyRequestsError,
} from "./regatta-error.js";
import { parseRegistryErrors, RETRYABLE_CODES, RETRYABLE_STATUSES } from "./registry-codes.js";
import { type SecretSet, scrubText } from "./secret-set.js";
import { retryAfterText } from "./wait-text.js";

export interface ErrorResponse {
  method: string;
  url: string | URL;
  status: number;
  /** The response body, already capped by the caller (64 KiB is plenty for an error). */
  body?: string;
  /** The answer's `Content-Type`: a `text/plain` body (or one without a type) is shown when it is no JSON error. */
  contentType?: string;
  /** What was being done, e.g. "get manifest docker.io/library/alpine:3.20". Prefixed to the message. */
  context?: string;
  /** The `WWW-Authenticate` header of a 401, which tells a refused scope from refused credentials. */
  challenge?: string;
  /** The secrets the client sent: every text of the body is scrubbed against them (see {@link SecretSet}). */
  secrets?: SecretSet;
  /**
   * The answer's `Retry-After`, in milliseconds, when it gave one (a 429, a 503 for maintenance): the hint says how
   * long the registry asked to wait, since regatta does not wait longer than a minute on its own.
   */
  retryAfterMs?: number;
  /** The hint, when the caller knows better than the status (an answer from a host the registry sent the request to). */
  hint?: string;
  /** Who asked for what: the facts behind the hint of a 401 or 403, kept on the error as `access`. */
  auth?: {
    registry: string;
    scopes: readonly ScopeLike[];
    /** The scheme of the `Authorization` sent, `none` when the request went anonymous. */
    credentials: AccessFacts["credentials"];
    username?: string;
    /** Nothing went because the registry never asked (no 401 challenge): see {@link AccessFacts.unchallenged}. */
    unchallenged?: boolean;
    /** Nothing went because the origin rules withheld it: see {@link AccessFacts.withheldAfter}. */
    withheldAfter?: string;
  };
}

const HINTS: Record<number, string> = {
  401: "check the username and password, or the credentials in ~/.docker/config.json",
  403: "the credentials are valid but lack permission for this repository or action",
};

/**
 * A 429's hint: how long the registry asked to wait, and "log in" only when the request went without credentials
 * (QA auth7 #4: with -u/-p it read as if logging in would help).
 */
function rateLimitHint(response: ErrorResponse): string {
  const wait =
    response.retryAfterMs === undefined
      ? "the registry's rate limit was reached"
      : `the registry's rate limit was reached and it asks to wait ${retryAfterText(response.retryAfterMs)} (Retry-After)`;
  const anonymous = !response.auth || response.auth.credentials === "none";
  return `${wait}; wait${anonymous ? ", or log in for a higher limit" : ""}`;
}

/**
 * Another error that names when to come back (a 503 during maintenance, RFC 9110 §15.6.4): the retries gave up or
 * would not wait that long (QA faults7 F4: a `Retry-After: 3600` on a 503 was dropped without a word).
 */
function comeBackHint(retryAfterMs: number): string {
  return `the registry asks to try again in ${retryAfterText(retryAfterMs)} (Retry-After)`;
}

/**
 * Text a server wrote into an answer, made fit for an error message: scrubbed of the client's secrets, and every ESC
 * shown as `\u001b`. The output boundary lets Regatta's own colours through, and a registry's `ESC[31m` in its
 * error message looks the same there: escaped here, it cannot leave the user's terminal red.
 */
export function foreignText(text: string, secrets?: SecretSet): string {
  return scrubText(text, secrets).replace(/\x1b/g, "\\u001b");
}

/** The longest plain-text body kept in a message: a registry's own sentence, not a page of logs. */
const PLAIN_TEXT_LIMIT = 300;

/**
 * The text of a body that is plain text, not a JSON or XML error (`storage quota exceeded for namespace`), as crane
 * shows a non-JSON body: scrubbed and escaped as a JSON message is ({@link foreignText}), on one line, capped. A web
 * page (HTML, or any markup) and JSON of another shape say nothing.
 */
function plainText(body: string | undefined, contentType: string | undefined, secrets?: SecretSet) {
  if (!body || (contentType && !/^\s*text\/plain\b/i.test(contentType))) return undefined;
  const text = foreignText(body, secrets).replace(/\s+/g, " ").trim();
  if (!text || /^[<{[]/.test(text)) return undefined;
  return text.length > PLAIN_TEXT_LIMIT ? `${text.slice(0, PLAIN_TEXT_LIMIT)}…` : text;
}

/** Builds the right typed error for an error answer of a registry, with the OCI codes and the redacted request. */
export function errorFromResponse(response: ErrorResponse): RegistryError {
  const { secrets } = response;
  const errors = parseRegistryErrors(response.body, (text) => foreignText(text, secrets));
  const request = { method: response.method.toUpperCase(), url: redactUrl(response.url) };
  const codes = errors.map((e) => e.code);
  const text = errors.length ? undefined : plainText(response.body, response.contentType, secrets);
  const detail = errors.length
    ? errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join("; ")
    : `${statusText(response.status)}${text ? `: ${text}` : ""}`;
  const what = response.context ? `${response.context}: ` : "";
  const message = `${what}${response.status} ${detail} (${request.method} ${request.url})`;
  const retryable =
    RETRYABLE_STATUSES.has(response.status) ||
    codes.some((c) => RETRYABLE_CODES.has(c) && response.status >= 500);
  const options: RegattaErrorOptions = { status: response.status, errors, request, retryable };
  if (secrets) options.secrets = secrets;
  // A 401 whose challenge says insufficient_scope came after a token exchange that worked: the credentials (or the
  // anonymous token) were fine, the scope was not granted. Docker Hub answers this way for a repository that does
  // not exist, Harbor for a catalog asked by a non-admin (RFC 6750 §3.1).
  const insufficientScope =
    response.status === 401 && /error\s*=\s*"?insufficient_scope/i.test(response.challenge ?? "");
  // A 403 whose message gives a reason of its own (a quota, a size…): no credentials are the fix (QA LOW #2).
  // A plain-text body is read the same way as the messages of a JSON one.
  const otherReason =
    response.status === 403 && namesOtherReason(text ? [text] : errors.map((e) => e.message));
  const access =
    response.auth && (response.status === 401 || response.status === 403)
      ? accessFacts(response.method, response.auth, insufficientScope, otherReason)
      : undefined;
  if (access) options.access = access;
  const hint = response.hint
    ? response.hint
    : access
      ? accessHint(access, response.status)
      : otherReason
        ? otherReasonHint()
        : insufficientScope
          ? "the registry did not grant access: the repository may not exist, or these credentials cannot reach it"
          : response.status === 429
            ? rateLimitHint(response)
            : (HINTS[response.status] ??
              // Only where trying again is the remedy: a 404 that carries a Retry-After is still not there then.
              (response.retryAfterMs !== undefined && RETRYABLE_STATUSES.has(response.status)
                ? comeBackHint(response.retryAfterMs)
                : undefined));
  if (hint) options.hint = hint;
  switch (response.status) {
    case 401:
      return new AuthenticationError(message, options);
    case 403:
      return new AuthorizationError(message, options);
    case 404:
      return new NotFoundError(message, options);
    case 429:
      return new TooManyRequestsError(message, { ...options, retryable: true });
    default:
      return new RegistryError(message, options);
  }
}

function accessFacts(
  method: string,
  auth: NonNullable<ErrorResponse["auth"]>,
  insufficientScope: boolean,
  otherReason: boolean,
): AccessFacts {
  const repository = auth.scopes.find((s) => s.type === "repository")?.name;
  return {
    registry: auth.registry,
    ...(repository ? { repository } : {}),
    operation: accessOperation(method, auth.scopes),
    credentials: auth.credentials,
    ...(auth.username ? { username: auth.username } : {}),
    ...(auth.unchallenged && auth.credentials === "none" ? { unchallenged: true } : {}),
    ...(auth.withheldAfter && auth.credentials === "none" ? { withheldAfter: auth.withheldAfter } : {}),
    ...(insufficientScope ? { insufficientScope } : {}),
    ...(otherReason ? { otherReason } : {}),
  };
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    416: "Range Not Satisfiable",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  // The message puts the status in front of this text: an unknown one is named by its class, not "418 HTTP 418"
  // (QA library6 F8). The table stays small: @regatta/errors has no node:http (STATUS_CODES) to borrow from.
  return (
    texts[status] ?? (status >= 500 ? "server error" : status >= 400 ? "client error" : "unexpected status")
  );
}
