import type { AccessFacts } from "./access.js";
import type { RegistryErrorEntry } from "./registry-codes.js";
import { type SecretSet, scrubText, scrubValue } from "./secret-set.js";

/**
 * Brands are global symbols so that `instanceof` keeps working when two copies of this package are installed
 * (the undici trick): each error carries the list of kinds it is, and `Symbol.hasInstance` checks that list.
 */
const KINDS = Symbol.for("regatta.error.kinds");

/** The request an error came from. The URL is always redacted before it is stored. */
export interface RequestSummary {
  method: string;
  url: string;
}

export interface RegattaErrorOptions {
  /** A registry error code (e.g. `MANIFEST_UNKNOWN`) or a Regatta one (e.g. `INVALID_REFERENCE`). */
  code?: string;
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** Every entry of the registry's `errors[]` body. */
  errors?: RegistryErrorEntry[];
  /** The request, method and redacted URL. */
  request?: RequestSummary;
  /** Whether trying again may succeed. */
  retryable?: boolean;
  /** What a person can do about it, appended to the message. */
  hint?: string;
  /** Who asked for what, for apps to word their own hint (see {@link AccessFacts}). */
  access?: AccessFacts;
  /**
   * The secrets the client sent. The message, hint, `errors[]`, request and cause chain are scrubbed against them
   * (and against token shapes, always) before the error exists, so no caller can print a secret a server echoed.
   * Not kept on the error.
   */
  secrets?: SecretSet;
  cause?: unknown;
}

/** The root of every error Regatta throws. */
export class RegattaError extends Error {
  static readonly kind: string = "RegattaError";
  /** Default code of this kind when none is given. */
  static readonly defaultCode: string = "UNKNOWN";

  readonly code: string;
  readonly status?: number;
  readonly errors: RegistryErrorEntry[];
  readonly request?: RequestSummary;
  readonly retryable: boolean;
  readonly hint?: string;
  readonly access?: AccessFacts;
  /** The message without the hint, for apps that word their own hint from {@link RegattaError.access}. */
  declare readonly summary: string;
  declare readonly [KINDS]: readonly string[];

  constructor(message: string, options: RegattaErrorOptions = {}) {
    const { secrets } = options;
    const summary = scrubText(message, secrets);
    const hint = options.hint ? scrubText(options.hint, secrets) : undefined;
    super(
      hint ? `${summary} (${hint})` : summary,
      options.cause !== undefined ? { cause: scrubCause(options.cause, secrets, 0) } : {},
    );
    // Not enumerable: `util.inspect` and spreads show the message once.
    Object.defineProperty(this, "summary", { value: summary, enumerable: false });
    const ctor = new.target as unknown as typeof RegattaError;
    this.name = ctor.kind;
    // A bundle that minifies names (the CLI's, the REPL's) calls the class `l2`: `util.inspect` (a REPL echo, a
    // library user's console.log) would show `l2 [AuthorizationError]`. The class takes its kind as its name, once.
    if (ctor.name !== ctor.kind)
      Object.defineProperty(ctor, "name", { value: ctor.kind, configurable: true });
    const errors = (options.errors ?? []).map((e) => scrubValue(e, secrets) as RegistryErrorEntry);
    this.code = options.code ?? errors[0]?.code ?? ctor.defaultCode;
    if (options.status !== undefined) this.status = options.status;
    this.errors = errors;
    if (options.request) {
      this.request = { method: options.request.method, url: scrubText(options.request.url, secrets) };
    }
    this.retryable = options.retryable ?? false;
    if (hint) this.hint = hint;
    if (options.access) this.access = options.access;
    const kinds: string[] = [];
    for (let c: unknown = ctor; c && (c as typeof RegattaError).kind; c = Object.getPrototypeOf(c)) {
      const kind = (c as typeof RegattaError).kind;
      if (!kinds.includes(kind)) kinds.push(kind);
    }
    Object.defineProperty(this, KINDS, { value: Object.freeze(kinds), enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!value || typeof value !== "object") return false;
    const kinds = (value as { [KINDS]?: readonly string[] })[KINDS];
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass `instanceof` was asked about.
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }

  /** A plain object safe to print or serialise: no cause chain, no headers. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.request ? { request: this.request } : {}),
      ...(this.errors.length ? { errors: this.errors } : {}),
      ...(this.access ? { access: this.access } : {}),
      retryable: this.retryable,
    };
  }
}

/**
 * A cause as it may be kept: an error whose message, stack or nested causes held a secret is replaced by a copy
 * (same prototype, brand and fields) with them scrubbed; `util.inspect` prints causes, so they must be clean too.
 */
function scrubCause(cause: unknown, secrets: SecretSet | undefined, depth: number): unknown {
  if (typeof cause === "string") return scrubText(cause, secrets);
  if (!(cause instanceof Error) || depth > 8) return cause;
  const descriptors = Object.getOwnPropertyDescriptors(cause) as Record<string, PropertyDescriptor>;
  let changed = false;
  for (const key of ["message", "stack", "hint", "summary"]) {
    const d = descriptors[key];
    if (d && typeof d.value === "string") {
      const clean = scrubText(d.value, secrets);
      if (clean !== d.value) {
        descriptors[key] = { ...d, value: clean };
        changed = true;
      }
    }
  }
  const errors = descriptors.errors;
  if (errors && Array.isArray(errors.value)) {
    const clean = scrubValue(errors.value, secrets);
    if (JSON.stringify(clean) !== JSON.stringify(errors.value)) {
      descriptors.errors = { ...errors, value: clean };
      changed = true;
    }
  }
  const inner = descriptors.cause;
  if (inner && "value" in inner) {
    const clean = scrubCause(inner.value, secrets, depth + 1);
    if (clean !== inner.value) {
      descriptors.cause = { ...inner, value: clean };
      changed = true;
    }
  }
  return changed ? Object.create(Object.getPrototypeOf(cause), descriptors) : cause;
}

/** A reference string that does not follow the distribution grammar. */
export class InvalidReferenceError extends RegattaError {
  static override readonly kind: string = "InvalidReferenceError";
  static override readonly defaultCode: string = "INVALID_REFERENCE";
}

/** A digest string that is malformed or uses an unsupported algorithm. */
export class InvalidDigestError extends RegattaError {
  static override readonly kind: string = "InvalidDigestError";
  static override readonly defaultCode: string = "DIGEST_INVALID";
}

/** A manifest, index or config that is not valid JSON of the kind it claims to be. */
export class InvalidManifestError extends RegattaError {
  static override readonly kind: string = "InvalidManifestError";
  static override readonly defaultCode: string = "MANIFEST_INVALID";
}

/** Options or arguments that do not make sense together; the CLI exits with status 2. */
export class UsageError extends RegattaError {
  static override readonly kind: string = "UsageError";
  static override readonly defaultCode: string = "USAGE";
}

/** Any error answer from a registry (the HTTP status and the `errors[]` body are on the error). */
export class RegistryError extends RegattaError {
  static override readonly kind: string = "RegistryError";
}

/** 401: no credentials, wrong credentials, or a token that was refused. (Ruby gem: RegistryAuthenticationException.) */
export class AuthenticationError extends RegistryError {
  static override readonly kind: string = "AuthenticationError";
  static override readonly defaultCode: string = "UNAUTHORIZED";
}

/** 403: the credentials are valid but not allowed to do this. (Ruby gem: RegistryAuthorizationException.) */
export class AuthorizationError extends RegistryError {
  static override readonly kind: string = "AuthorizationError";
  static override readonly defaultCode: string = "DENIED";
}

/** 404: unknown repository, manifest, tag, blob or upload. */
export class NotFoundError extends RegistryError {
  static override readonly kind: string = "NotFoundError";
  static override readonly defaultCode: string = "NAME_UNKNOWN";
}

/** 429: the registry's rate limit was hit. */
export class TooManyRequestsError extends RegistryError {
  static override readonly kind: string = "TooManyRequestsError";
  static override readonly defaultCode: string = "TOOMANYREQUESTS";
}

/** The operation is not supported by this registry or by Regatta (e.g. deleting a tag on distribution). */
export class UnsupportedError extends RegattaError {
  static override readonly kind: string = "UnsupportedError";
  static override readonly defaultCode: string = "UNSUPPORTED";
}

/** The registry answered something that is not the Registry v2 API (bad JSON, missing headers, HTML). */
export class ProtocolError extends RegattaError {
  static override readonly kind: string = "ProtocolError";
  static override readonly defaultCode: string = "PROTOCOL";
}

/** Content whose digest is not the one expected: a tampered or corrupt blob or manifest. */
export class DigestMismatchError extends RegattaError {
  static override readonly kind: string = "DigestMismatchError";
  static override readonly defaultCode: string = "DIGEST_MISMATCH";
  readonly expected?: string;
  readonly actual?: string;
  constructor(
    message: string,
    options: RegattaErrorOptions & { expected?: string | undefined; actual?: string | undefined } = {},
  ) {
    super(message, options);
    if (options.expected) this.expected = options.expected;
    if (options.actual) this.actual = options.actual;
  }
}

/**
 * A signature that does not verify: a signed schema 1 manifest whose libtrust JWS signature does not match its
 * payload or its key (the manifest was changed after signing, or the signature is corrupt), or that names no key.
 */
export class SignatureError extends RegattaError {
  static override readonly kind: string = "SignatureError";
  static override readonly defaultCode: string = "SIGNATURE_INVALID";
}

/** Content whose length is not the one expected: a truncated or overlong blob. */
export class SizeMismatchError extends RegattaError {
  static override readonly kind: string = "SizeMismatchError";
  static override readonly defaultCode: string = "SIZE_INVALID";
  readonly expected?: number;
  readonly actual?: number;
  constructor(
    message: string,
    options: RegattaErrorOptions & { expected?: number | undefined; actual?: number | undefined } = {},
  ) {
    super(message, options);
    if (options.expected !== undefined) this.expected = options.expected;
    if (options.actual !== undefined) this.actual = options.actual;
  }
}

/** A connect, read or overall timeout expired. */
export class TimeoutError extends RegattaError {
  static override readonly kind: string = "TimeoutError";
  static override readonly defaultCode: string = "TIMEOUT";
}

/** The registry could not be reached: DNS, refused connection, reset. (Ruby gem: RegistryUnknownException.) */
export class RegistryUnreachableError extends RegattaError {
  static override readonly kind: string = "RegistryUnreachableError";
  static override readonly defaultCode: string = "UNREACHABLE";
}

/** The TLS handshake failed, most often an untrusted certificate. (Ruby gem: RegistrySSLException.) */
export class TlsError extends RegistryUnreachableError {
  static override readonly kind: string = "TlsError";
  static override readonly defaultCode: string = "TLS";
}

/** The operation was aborted by the caller (AbortSignal, Ctrl-C). */
export class AbortError extends RegattaError {
  static override readonly kind: string = "AbortError";
  static override readonly defaultCode: string = "ABORTED";
}

/**
 * A local file could not be written or read: a full disk (`NO_SPACE`), a quota, a read-only file system, missing
 * permissions. `path` names the file; `syscallCode` keeps the system's code (`ENOSPC`, `EACCES`…).
 */
export class FileSystemError extends RegattaError {
  static override readonly kind: string = "FileSystemError";
  static override readonly defaultCode: string = "IO";
  readonly path?: string;
  readonly syscallCode?: string;
  constructor(message: string, options: RegattaErrorOptions & { path?: string; syscallCode?: string } = {}) {
    super(message, options);
    if (options.path) this.path = options.path;
    if (options.syscallCode) this.syscallCode = options.syscallCode;
  }
}

/** Credentials could not be read: a broken docker config, a missing or failing credential helper. */
export class CredentialsError extends RegattaError {
  static override readonly kind: string = "CredentialsError";
  static override readonly defaultCode: string = "CREDENTIALS";
}
