import { decodeBase64 } from "./base64.js";
import { computeDigest } from "./compute-digest.js";
import { parseDigest } from "./digest.js";
import {
  checkDigest,
  checkMediaType,
  checkOptionalMediaType,
  checkOptionalString,
  checkSize,
  checkString,
  checkStringArray,
  checkStringMap,
  checkUrl,
  describe,
  invalid,
  isJsonObject,
} from "./json-checks.js";
import type { Platform } from "./platform.js";

/**
 * A content descriptor: what a manifest or index says about a blob or manifest it points to.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md
 */
export interface Descriptor {
  /** Media type of the referenced content. */
  mediaType: string;
  /** Digest of the referenced content's exact bytes. */
  digest: string;
  /** Length of the referenced content in bytes. */
  size: number;
  /** Other places to download the content from (Docker foreign layers, non-distributable layers). */
  urls?: string[];
  /** Arbitrary metadata (`org.opencontainers.image.*` keys and others). */
  annotations?: Record<string, string>;
  /** In an index: the platform of the manifest this entry points to. */
  platform?: Platform;
  /** In an index or a referrers list: the artifact type of the manifest this entry points to. */
  artifactType?: string;
  /** The content itself, base64-encoded, so that small blobs need no extra request. */
  data?: string;
}

/** Checks a `platform` object: `architecture` and `os` are required strings. */
export function checkPlatform(value: unknown, path: string, what: string): Platform {
  if (!isJsonObject(value)) invalid(what, `${path} must be an object, got ${describe(value)}`);
  checkString(value.architecture, `${path}.architecture`, what);
  checkString(value.os, `${path}.os`, what);
  checkOptionalString(value, "variant", path, what);
  checkOptionalString(value, "os.version", path, what);
  if (value["os.features"] !== undefined)
    checkStringArray(value["os.features"], `${path}["os.features"]`, what);
  if (value.features !== undefined) checkStringArray(value.features, `${path}.features`, what);
  return value as unknown as Platform;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks a descriptor: `mediaType` (RFC 6838), `digest` and `size` are required; `urls` must be absolute http(s)
 * URLs, `annotations` a string map, `artifactType` a media type, `data` base64.
 * Unknown fields are kept (the spec lets other specifications extend descriptors).
 */
export function checkDescriptor(value: unknown, path: string, what: string): Descriptor {
  if (!isJsonObject(value)) invalid(what, `${path} must be a descriptor object, got ${describe(value)}`);
  checkMediaType(value.mediaType, `${path}.mediaType`, what);
  checkDigest(value.digest, `${path}.digest`, what);
  checkSize(value.size, `${path}.size`, what);
  if (value.urls !== undefined) {
    const urls = checkStringArray(value.urls, `${path}.urls`, what);
    for (const [i, url] of urls.entries()) checkUrl(url, `${path}.urls[${i}]`, what);
  }
  if (value.annotations !== undefined) checkStringMap(value.annotations, `${path}.annotations`, what);
  if (value.platform !== undefined) checkPlatform(value.platform, `${path}.platform`, what);
  checkOptionalMediaType(value, "artifactType", path, what);
  if (value.data !== undefined && !BASE64.test(checkString(value.data, `${path}.data`, what))) {
    invalid(what, `${path}.data is not base64`);
  }
  return value as unknown as Descriptor;
}

/**
 * The content embedded in a descriptor's `data` field, checked against its size and digest: the spec says the
 * decoded data MUST match them. Returns `undefined` when the descriptor has no `data`.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#properties
 * @throws InvalidManifestError when the data is not base64 or does not match; InvalidDigestError for an unsupported
 * digest algorithm.
 */
export function descriptorData(descriptor: Descriptor): Uint8Array | undefined {
  if (descriptor.data === undefined) return undefined;
  if (!BASE64.test(descriptor.data)) invalid("descriptor", `data of ${descriptor.digest} is not base64`);
  const bytes = decodeBase64(descriptor.data);
  if (bytes.byteLength !== descriptor.size) {
    invalid(
      "descriptor",
      `data of ${descriptor.digest} is ${bytes.byteLength} bytes, but size says ${descriptor.size}`,
    );
  }
  const actual = computeDigest(bytes, parseDigest(descriptor.digest).algorithm);
  if (actual !== descriptor.digest)
    invalid("descriptor", `data hashes to ${actual}, not ${descriptor.digest}`);
  return bytes;
}
