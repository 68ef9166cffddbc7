import { decodeXML } from "entities/decode";

/**
 * Error codes a registry may return in the `errors[]` body, from the OCI distribution spec
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes) and Docker's additions.
 */
export const REGISTRY_ERROR_CODES = [
  "BLOB_UNKNOWN",
  "BLOB_UPLOAD_INVALID",
  "BLOB_UPLOAD_UNKNOWN",
  "DIGEST_INVALID",
  "MANIFEST_BLOB_UNKNOWN",
  "MANIFEST_INVALID",
  "MANIFEST_UNKNOWN",
  "MANIFEST_UNVERIFIED",
  "NAME_INVALID",
  "NAME_UNKNOWN",
  "SIZE_INVALID",
  "TAG_INVALID",
  "UNAUTHORIZED",
  "DENIED",
  "UNSUPPORTED",
  "TOOMANYREQUESTS",
  "UNKNOWN",
  "UNAVAILABLE",
  "PAGINATION_NUMBER_INVALID",
  "RANGE_INVALID",
] as const;

export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

/** One entry of a registry's `{"errors":[…]}` body. */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Codes after which trying the same request again may succeed. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(["TOOMANYREQUESTS", "UNAVAILABLE", "UNKNOWN"]);

/** HTTP statuses after which an idempotent request may be retried. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Parses a registry error body. Registries answer `{"errors":[{code,message,detail}]}`, but some send a bare
 * `{code,message}`, `{"message":…}`, `{"error":…}` or HTML; the storage a blob is redirected to (S3, GCS's XML API,
 * Azure Blob, MinIO) answers `<Error><Code>…</Code><Message>…</Message></Error>` ({@link storageErrors}); anything
 * unrecognised yields an empty list. `clean` (the secret scrubber) sees every code before it is upper-cased, so an
 * echoed password cannot hide as a code.
 */
export function parseRegistryErrors(
  body: string | undefined,
  clean: (text: string) => string = (text) => text,
): RegistryErrorEntry[] {
  if (!body) return [];
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return storageErrors(body, clean);
  }
  if (!json || typeof json !== "object") return [];
  const obj = json as Record<string, unknown>;
  const list = Array.isArray(obj.errors) ? obj.errors : typeof obj.code === "string" ? [obj] : undefined;
  if (list) {
    return list
      .filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
      .map((e) => ({
        code: typeof e.code === "string" ? registryCode(clean(e.code)) : "UNKNOWN",
        ...(typeof e.message === "string" ? { message: clean(e.message) } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      }));
  }
  const message =
    typeof obj.message === "string" ? obj.message : typeof obj.error === "string" ? obj.error : "";
  return message ? [{ code: "UNKNOWN", message: clean(message) }] : [];
}

/**
 * A code as compared: upper-cased when it is a word (`denied` is DENIED, as distribution's codes are upper-case
 * words, https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes); anything else kept as
 * cleaned, so the escapes cleaning wrote (`\u001b[31m`) are not turned into other text (`\U001B[31M`).
 */
function registryCode(cleaned: string): string {
  return /^[A-Za-z0-9_]+$/.test(cleaned) ? cleaned.toUpperCase() : cleaned;
}

/** The longest storage error message kept: S3's are one sentence; anything longer is not meant for a person. */
const STORAGE_MESSAGE_LIMIT = 300;

/**
 * The code and message of an object store's XML error (S3: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html;
 * GCS's XML API and Azure Blob use the same two elements), so a presigned blob URL that expired reads
 * "403 AccessDenied: Request has expired" instead of "403 Forbidden". Only those two elements are read: the
 * others of a SignatureDoesNotMatch (`SignatureProvided`, `StringToSign`) carry the signature. Their codes keep the
 * store's own spelling, which its documentation uses.
 */
function storageErrors(body: string, clean: (text: string) => string): RegistryErrorEntry[] {
  if (!/^\s*(?:<\?xml[^>]*\?>\s*)?<Error>/.test(body)) return [];
  const element = (name: string) => {
    const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
    return match ? clean(decodeXML(match[1] as string).trim()) : undefined;
  };
  const code = element("Code");
  if (!code) return [];
  const message = element("Message");
  const short =
    message && message.length > STORAGE_MESSAGE_LIMIT
      ? `${message.slice(0, STORAGE_MESSAGE_LIMIT)}…`
      : message;
  return [{ code, ...(short ? { message: short } : {}) }];
}
