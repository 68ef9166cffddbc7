import { DigestMismatchError, quoteText, RegistryError, UsageError } from "@regatta/errors";
import {
  type DigestAlgorithm,
  manifestDigest,
  mediaTypeEssence,
  parseDigest,
  parseManifest,
  serializeManifest,
} from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { listAsReferrer, type ReferrerListing } from "./referrers/list-as-referrer.js";
import { manifestPut } from "./registry-api/manifests.js";
import { absoluteLocation } from "./registry-api/upload-session.js";
import { explainSchema1Refusal, verifyFetchedSchema1 } from "./schema1-checks.js";

/**
 * A manifest to push: its exact bytes (a `Uint8Array` or a string), something that carries them (a fetched
 * `ManifestResult`, a `ParsedManifest`, a built manifest: anything with `bytes` and `mediaType`), or a plain object,
 * serialised once here. Bytes are sent as they are: their digest is the manifest's digest.
 */
export type ManifestInput = Uint8Array | string | { bytes: Uint8Array; mediaType?: string } | object;

export interface PutManifestOptions {
  /** The Content-Type to send. Default: the manifest's `mediaType`, or the type its shape says. */
  mediaType?: string;
  /**
   * A manifest with a `subject` pushed to a registry without the referrers API is added to the subject's fallback
   * tag index, as the distribution spec asks of clients. Default true; false pushes the manifest alone.
   */
  fallback?: boolean;
  signal?: AbortSignal;
}

/** What a pushed manifest turned out to be. */
export interface PutManifestResult {
  /** The reference pushed to, pinned to the digest (its tag kept when it had one). */
  reference: Reference;
  digest: string;
  mediaType: string;
  size: number;
  /** The registry's Location for the manifest, when it sent one. */
  location?: string;
  /**
   * The registry's `OCI-Subject` header: the subject digest it indexed for the referrers API. Absent from a registry
   * without that API, whose referrers the pushing client lists in the fallback tag itself (src/referrers/)
   * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject).
   */
  subject?: string;
  /** For a manifest with a `subject`: how it can be found as a referrer (absent with `fallback: false`). */
  referrers?: ReferrerListing;
}

function bytesOf(manifest: ManifestInput): { bytes: Uint8Array; mediaType?: string } {
  if (manifest instanceof Uint8Array) return { bytes: manifest };
  if (typeof manifest === "string") return { bytes: new TextEncoder().encode(manifest) };
  const { bytes, mediaType } = manifest as { bytes?: unknown; mediaType?: unknown };
  if (bytes instanceof Uint8Array) return { bytes, ...(typeof mediaType === "string" ? { mediaType } : {}) };
  return { bytes: serializeManifest(manifest).bytes };
}

/**
 * PUT a manifest (by tag, or by digest when the reference has no tag). The bytes sent are the bytes whose digest is
 * reported, and the registry's `Docker-Content-Digest` is checked against it. A digest in the reference must be the
 * digest of the bytes.
 */
export async function putManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  manifest: ManifestInput,
  options: PutManifestOptions = {},
): Promise<PutManifestResult> {
  const ref = toReference(ctx, input);
  const given = bytesOf(manifest);
  const context = `put manifest ${ref.familiar()}`;
  // A header value with controls is refused by Node as the request is made (reported as unreachable): bad input.
  if (options.mediaType !== undefined && /[\x00-\x1f\x7f]/.test(options.mediaType)) {
    throw new UsageError(
      `${context}: invalid media type ${quoteText(options.mediaType)} (control characters)`,
    );
  }
  const parsed = parseManifest(given.bytes, options.mediaType ?? given.mediaType);
  const mediaType = options.mediaType ?? given.mediaType ?? parsed.mediaType;
  // Registries refuse a Content-Type other than the body's mediaType with a bare "400 MANIFEST_INVALID": said here.
  const bodyType = (parsed.manifest as { mediaType?: unknown }).mediaType;
  if (
    options.mediaType !== undefined &&
    typeof bodyType === "string" &&
    mediaTypeEssence(bodyType) !== mediaTypeEssence(options.mediaType)
  ) {
    throw new UsageError(
      `${context}: the Content-Type to send is ${options.mediaType} but the manifest's mediaType is ${bodyType}; a registry refuses the mismatch (MANIFEST_INVALID)`,
      { hint: "leave the content type out (the manifest's mediaType is sent), or fix the manifest" },
    );
  }
  const algorithm: DigestAlgorithm = ref.digest ? parseDigest(ref.digest).algorithm : "sha256";
  // A signed schema 1 manifest is addressed by its JWS payload, as distribution stores it (parse-manifest.ts).
  const digest = manifestDigest(parsed, algorithm);
  if (ref.digest && ref.digest !== digest) {
    throw new DigestMismatchError(`${context}: the manifest's digest is ${digest}, not ${ref.digest}`, {
      expected: ref.digest,
      actual: digest,
    });
  }
  // A bad signature is refused here, with the reason, rather than as the registry's bare MANIFEST_UNVERIFIED.
  await verifyFetchedSchema1(parsed, context);
  let response: Awaited<ReturnType<typeof manifestPut>>;
  try {
    response = await manifestPut(ctx.transport, {
      registry: ref.registry,
      repository: ref.repository,
      reference: ref.tag ?? digest,
      bytes: given.bytes,
      mediaType,
      context,
      // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw parsed.kind === "schema1"
      ? explainSchema1Refusal(error, ref, parsed.signed)
      : explainPutError(error, ref);
  }
  const claimed = response.headers["docker-content-digest"];
  if (claimed && claimed.split(":")[0] === algorithm && claimed !== digest) {
    throw new DigestMismatchError(
      `${context}: the registry stored the manifest as ${claimed}, but the bytes sent hash to ${digest}`,
      { expected: digest, actual: claimed },
    );
  }
  const location = absoluteLocation(response, context);
  const result: PutManifestResult = {
    reference: ref.withDigest(digest),
    digest,
    mediaType,
    size: given.bytes.byteLength,
    ...(location ? { location } : {}),
    ...(response.headers["oci-subject"] ? { subject: response.headers["oci-subject"] } : {}),
  };
  if (options.fallback === false || parsed.kind === "schema1") return result;
  const referrers = await listAsReferrer(
    ctx,
    ref.repositoryOnly(),
    {
      mediaType,
      digest,
      size: result.size,
      manifest: parsed.manifest as never,
      ...(result.subject ? { claimedSubject: result.subject } : {}),
    },
    options.signal ? { signal: options.signal } : {},
  );
  return referrers ? { ...result, referrers } : result;
}

/** A registry's refusal, reworded where the registry's own words do not say what to do. */
function explainPutError(error: unknown, ref: Reference): unknown {
  if (!(error instanceof RegistryError)) return error;
  const missing = error.errors
    .filter((e) => e.code === "MANIFEST_BLOB_UNKNOWN" || e.code === "BLOB_UNKNOWN")
    .map((e) => (typeof e.detail === "string" ? e.detail : undefined));
  if (missing.length === 0) return error;
  const list = missing.filter(Boolean);
  const what = list.length ? `: ${list.join(", ")}` : "";
  return new RegistryError(
    `put manifest ${ref.familiar()}: MANIFEST_BLOB_UNKNOWN: ${ref.name} lacks ${list.length === 1 ? "a blob" : "blobs"} the manifest references${what}; push them first (regatta put-blob), or copy the whole image (regatta copy)`,
    {
      code: "MANIFEST_BLOB_UNKNOWN",
      errors: error.errors,
      // Stryker disable next-line ConditionalExpression: RegattaError sets no status from `status: undefined`, as without the key.
      ...(error.status !== undefined ? { status: error.status } : {}),
      // Stryker disable next-line ConditionalExpression: RegattaError sets no request from `request: undefined`, as without the key.
      ...(error.request ? { request: error.request } : {}),
      cause: error,
    },
  );
}
