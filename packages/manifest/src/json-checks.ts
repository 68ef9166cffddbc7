import { InvalidManifestError, quoteText } from "@regatta/errors";
import { isValidDescriptorDigest } from "./digest.js";

/*
 * Internal: the checks every parser here shares. Each failure is an InvalidManifestError whose message names the
 * document and the JSON path of the bad field (`invalid image manifest: layers[1].size must be …`).
 */

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Throws the InvalidManifestError every validation failure becomes: `invalid <what>: <message>`. */
export function invalid(what: string, message: string): never {
  throw new InvalidManifestError(`invalid ${what}: ${message}`);
}

/** A value as a message shows it. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Checks that `value` is a string; `path` names it in the message. */
export function checkString(value: unknown, path: string, what: string): string {
  if (typeof value !== "string") invalid(what, `${path} must be a string, got ${describe(value)}`);
  return value;
}

/** Checks an optional string field. */
export function checkOptionalString(obj: JsonObject, key: string, path: string, what: string): void {
  if (obj[key] !== undefined) checkString(obj[key], path ? `${path}.${key}` : key, what);
}

/** Checks an array of strings. */
export function checkStringArray(value: unknown, path: string, what: string): string[] {
  if (!Array.isArray(value)) invalid(what, `${path} must be an array of strings, got ${describe(value)}`);
  for (const [i, v] of value.entries()) checkString(v, `${path}[${i}]`, what);
  return value;
}

/** Checks a string-to-string map (annotations, labels). */
export function checkStringMap(value: unknown, path: string, what: string): Record<string, string> {
  if (!isJsonObject(value)) invalid(what, `${path} must be an object of strings, got ${describe(value)}`);
  for (const [k, v] of Object.entries(value)) checkString(v, `${path}[${quoteText(k)}]`, what);
  return value as Record<string, string>;
}

/** Checks a size: a non-negative integer JSON can carry exactly (the spec's int64, within JavaScript's safe range). */
export function checkSize(value: unknown, path: string, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    invalid(what, `${path} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/**
 * A media type as the image spec requires it: RFC 6838 `type/subtype` with section 4.2's restricted names (the
 * pattern of the spec's own JSON schema, https://github.com/opencontainers/image-spec/blob/v1.1.0/schema/defs-descriptor.json).
 * No parameters, no spaces: a descriptor names content, it is not a Content-Type header.
 */
export const MEDIA_TYPE_GRAMMAR =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Checks a media type (a descriptor's `mediaType`, an `artifactType`); see {@link MEDIA_TYPE_GRAMMAR}. */
export function checkMediaType(value: unknown, path: string, what: string): string {
  const text = checkString(value, path, what);
  if (!MEDIA_TYPE_GRAMMAR.test(text))
    invalid(
      what,
      `${path} ${describe(text)} is not a media type (RFC 6838 type/subtype, e.g. application/vnd.oci.image.layer.v1.tar+gzip)`,
    );
  return text;
}

/** Checks an optional media type field. */
export function checkOptionalMediaType(obj: JsonObject, key: string, path: string, what: string): void {
  if (obj[key] !== undefined) checkMediaType(obj[key], path ? `${path}.${key}` : key, what);
}

/** RFC 3986 characters: unreserved, reserved, and %-escapes. Anything else (spaces, controls, `\`, `<`) is not a URI. */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;

/**
 * Checks an entry of a descriptor's `urls`: the spec says each MUST conform to RFC 3986 and SHOULD be http or https
 * (https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#properties); Regatta would fetch them, so
 * only absolute http(s) URLs with a host are accepted (no `file:`, no `data:`, no relative paths).
 */
export function checkUrl(value: unknown, path: string, what: string): string {
  const text = checkString(value, path, what);
  let ok = URI_CHARACTERS.test(text) && /^https?:\/\/[^/?#]/i.test(text);
  if (ok) {
    try {
      ok = new URL(text).hostname !== "";
    } catch {
      ok = false;
    }
  }
  if (!ok) invalid(what, `${path} ${describe(text)} is not an absolute http or https URL`);
  return text;
}

/**
 * Every number in a JSON text written with a fraction or an exponent (`1.0`, `1e3`), by JSON path (`layers[2].size`).
 * JSON.parse makes `1.0` the integer 1, but the spec's sizes are int64 and Go's decoder (so distribution, containerd)
 * refuses `1.0` for one: a manifest written that way is refused there and must be here. `text` must be valid JSON.
 */
export function numbersWithFraction(text: string): { path: string; lexeme: string }[] {
  const found: { path: string; lexeme: string }[] = [];
  // Fast path: a number token follows `:`, `[` or `,`; with none written with a fraction, skip the walk.
  if (!/[:[,]\s*-?\d+[.eE]/.test(text)) return found;
  // The containers open at this point: for objects the key being read, for arrays the index of the current element.
  const stack: { array: boolean; key: string; index: number; path: string }[] = [];
  let expectKey = false;
  const pathHere = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return "";
    if (top.array) return `${top.path}[${top.index}]`;
    return top.path ? `${top.path}.${top.key}` : top.key;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "{" || c === "[") {
      stack.push({ array: c === "[", key: "", index: 0, path: pathHere() });
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack[stack.length - 1]!;
      if (top.array) top.index++;
      else expectKey = true;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (expectKey) {
        const raw = text.slice(i, j + 1);
        stack[stack.length - 1]!.key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        expectKey = false;
      }
      i = j;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const lexeme = text.slice(i, j);
      if (/[.eE]/.test(lexeme)) found.push({ path: pathHere(), lexeme });
      i = j - 1;
    }
  }
  return found;
}

/** Checks a digest as found in a descriptor (see `isValidDescriptorDigest`). */
export function checkDigest(value: unknown, path: string, what: string): string {
  const digest = checkString(value, path, what);
  if (!isValidDescriptorDigest(digest)) invalid(what, `${path} ${quoteText(digest)} is not a valid digest`);
  return digest;
}

/** Parses bytes as a JSON object, or throws InvalidManifestError naming `what`. */
export function parseJsonObject(bytes: Uint8Array, what: string): JsonObject {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    invalid(what, "not UTF-8 text");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    invalid(what, `not JSON (${(cause as Error).message})`);
  }
  if (!isJsonObject(body))
    invalid(
      what,
      `not a JSON object but ${body === null ? "null" : Array.isArray(body) ? "an array" : typeof body}`,
    );
  return body;
}
