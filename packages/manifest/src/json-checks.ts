import { InvalidManifestError } from "@regatta/errors";
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
  for (const [k, v] of Object.entries(value)) checkString(v, `${path}[${JSON.stringify(k)}]`, what);
  return value as Record<string, string>;
}

/** Checks a size: a non-negative integer JSON can carry exactly (the spec's int64, within JavaScript's safe range). */
export function checkSize(value: unknown, path: string, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    invalid(what, `${path} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** Checks a digest as found in a descriptor (see `isValidDescriptorDigest`). */
export function checkDigest(value: unknown, path: string, what: string): string {
  const digest = checkString(value, path, what);
  if (!isValidDescriptorDigest(digest))
    invalid(what, `${path} ${JSON.stringify(digest)} is not a valid digest`);
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
