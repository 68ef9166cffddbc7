import type { RegistryErrorEntry } from "./registry-codes.js";

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
  declare readonly [KINDS]: readonly string[];

  constructor(message: string, options: RegattaErrorOptions = {}) {
    super(
      options.hint ? `${message} (${options.hint})` : message,
      options.cause ? { cause: options.cause } : {},
    );
    const ctor = new.target as unknown as typeof RegattaError;
    this.name = ctor.kind;
    this.code = options.code ?? options.errors?.[0]?.code ?? ctor.defaultCode;
    if (options.status !== undefined) this.status = options.status;
    this.errors = options.errors ?? [];
    if (options.request) this.request = options.request;
    this.retryable = options.retryable ?? false;
    if (options.hint) this.hint = options.hint;
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
      retryable: this.retryable,
    };
  }
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
  constructor(message: string, options: RegattaErrorOptions & { expected?: string; actual?: string } = {}) {
    super(message, options);
    if (options.expected) this.expected = options.expected;
    if (options.actual) this.actual = options.actual;
  }
}

/** Content whose length is not the one expected: a truncated or overlong blob. */
export class SizeMismatchError extends RegattaError {
  static override readonly kind: string = "SizeMismatchError";
  static override readonly defaultCode: string = "SIZE_INVALID";
  readonly expected?: number;
  readonly actual?: number;
  constructor(message: string, options: RegattaErrorOptions & { expected?: number; actual?: number } = {}) {
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

/** Credentials could not be read: a broken docker config, a missing or failing credential helper. */
export class CredentialsError extends RegattaError {
  static override readonly kind: string = "CredentialsError";
  static override readonly defaultCode: string = "CREDENTIALS";
}
