import {
  DigestMismatchError,
  InvalidManifestError,
  NotFoundError,
  notRegistrySuccess,
  redactUrl,
  SizeMismatchError,
} from "@regatta/errors";
import {
  type AcceptPreset,
  acceptHeader,
  formatPlatform,
  isValidDigest,
  listPlatforms,
  manifestDigest,
  normalizePlatform,
  type ParsedManifest,
  type Platform,
  parseManifest,
  parsePlatform,
  selectManifest,
} from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import type { RegistryResponse } from "@regatta/transport";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { checkAskedPlatforms } from "./image-config.js";
import { readThroughMirrors } from "./mirrors.js";
import { manifestGet, manifestHead } from "./registry-api/manifests.js";
import { verifyFetchedSchema1 } from "./schema1-checks.js";

export { MAX_MANIFEST_BYTES } from "@regatta/manifest";

export interface ManifestOptions {
  /** Media types to accept: a preset name (`schema2`, `list`, `oci`, `index`, `schema1`, `all`) or a list of types. */
  accept?: AcceptPreset | AcceptPreset[] | string[];
  /** When the reference names an index, resolve it to the image manifest for this platform (`os/arch[/variant]`). */
  platform?: string | Platform;
  /**
   * Ask the registry's mirrors first (`hosts[registry].mirrors`, mirrors.ts). Default true; false asks the registry
   * itself only, for a caller about to write on what it learns (a copy's target, a delete).
   */
  mirrors?: boolean;
  signal?: AbortSignal;
}

/** A manifest as fetched: the exact bytes, their digest, and the parsed model. */
export interface ManifestResult {
  /** The reference fetched, pinned to the digest. */
  reference: Reference;
  digest: string;
  mediaType: string;
  kind: ParsedManifest["kind"];
  /** The parsed JSON (typed by `kind`). */
  manifest: ParsedManifest["manifest"];
  parsed: ParsedManifest;
  /** The exact bytes the registry sent: write these, never a re-serialisation, or the digest changes. */
  bytes: Uint8Array;
  size: number;
  /** Response headers, lower-cased. */
  headers: Record<string, string>;
  /**
   * When resolved from an index for a platform: the index and the platform chosen. `platform` alone (no `index`): a
   * single image checked against the platform asked, and the platform its config names.
   */
  index?: { digest: string; mediaType: string; reference: Reference };
  platform?: string;
}

/** GET a manifest, verify its digest over the exact bytes, and parse it. Resolves an index when `platform` is given. */
export async function getManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ManifestOptions = {},
  /** The token actions of the GETs: `pull` by default; `pull,push` where a push or copy reads its target. */
  actions?: readonly string[],
): Promise<ManifestResult> {
  const ref = toReference(ctx, input);
  const fetched = await fetchManifest(ctx, ref, options, actions);
  if (!options.platform || fetched.kind !== "index") return fetched;
  const wanted = typeof options.platform === "string" ? parsePlatform(options.platform) : options.platform;
  const descriptor = selectManifest(fetched.manifest as never, normalizePlatform(wanted));
  if (!descriptor) {
    throw new NotFoundError(
      `${ref.familiar()} has no image for platform ${formatPlatform(wanted)}; it has: ${listPlatforms(fetched.manifest as never).join(", ") || "none"}`,
      { code: "MANIFEST_UNKNOWN" },
    );
  }
  const child = describedSize(
    await fetchManifest(ctx, ref.withoutTag().withDigest(descriptor.digest), options, actions),
    descriptor,
  );
  return {
    ...child,
    index: { digest: fetched.digest, mediaType: fetched.mediaType, reference: fetched.reference },
    // selectManifest only chooses entries with a platform; `wanted` is a fallback for the type checker's sake.
    platform: formatPlatform(descriptor.platform ?? wanted),
  };
}

/**
 * The manifest a descriptor names (an index's entry), from the repository of `ref`: checked to be what the descriptor
 * says, its digest (over the exact bytes, as every fetch) and its size, as containerd checks both. An entry whose
 * size is not its manifest's is refused (SizeMismatchError), as a layer's or a config's is: a copy would otherwise
 * push an index that lies about its children, and a reader trusts the size to bound what it reads.
 */
export async function getDescribedManifest(
  ctx: ClientContext,
  ref: Reference,
  descriptor: { digest: string; size: number },
  options: ManifestOptions = {},
  actions?: readonly string[],
): Promise<ManifestResult> {
  const got = await getManifest(ctx, ref.withoutTag().withDigest(descriptor.digest), options, actions);
  return describedSize(got, descriptor);
}

/**
 * `got`, when its size is the one its descriptor says; a SizeMismatchError otherwise. For a caller that fetched a
 * descriptor's manifest by digest itself (once per digest, inventory.ts); others use {@link getDescribedManifest}.
 */
export function describedSize<T extends Pick<ManifestResult, "reference" | "size">>(
  got: T,
  descriptor: { digest: string; size: number },
): T {
  if (got.size === descriptor.size) return got;
  throw new SizeMismatchError(
    `manifest ${got.reference.familiar()} is ${got.size} bytes, but the index entry naming it says ${descriptor.size}`,
    { code: "SIZE_INVALID", expected: descriptor.size, actual: got.size },
  );
}

/**
 * {@link getManifest} for a caller that asked for a platform (`reg.manifest(ref, { platform })`, `reg.digest`): a
 * single image has nothing to choose from, and one whose config names another platform than asked is refused
 * (NotFoundError, MANIFEST_UNKNOWN, image-config.ts), as an index without it is and as the CLI's --platform is.
 * One of that platform, or whose config names none, is the answer (its config read once, only when a platform is
 * asked). The default platform (the host's) is no demand: internal reads resolve indexes with getManifest alone.
 */
export async function getAskedManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ManifestOptions = {},
  actions?: readonly string[],
): Promise<ManifestResult> {
  const got = await getManifest(ctx, input, options, actions);
  if (options.platform === undefined) return got;
  const asked = typeof options.platform === "string" ? options.platform : formatPlatform(options.platform);
  const own = await checkAskedPlatforms(ctx, got, [asked], options.signal);
  // A single image's own platform, read from its config for the check: callers that say "--platform ignored: a
  // single image (linux/amd64)" need not read the config again.
  return own === undefined ? got : { ...got, platform: own };
}

async function fetchManifest(
  ctx: ClientContext,
  ref: Reference,
  options: ManifestOptions,
  actions: readonly string[] | undefined,
): Promise<ManifestResult> {
  const context = `get manifest ${ref.familiar()}`;
  // Parsed and verified inside the attempt: a mirror serving bytes that do not match the digest hands over.
  const { response, bytes, parsed, digest } = await fromMirrors(ctx, ref, options, async (registry) => {
    const got = await manifestGet(ctx.transport, {
      ...target(ref, context, options, registry),
      ...(actions ? { actions } : {}),
      accept: acceptHeader(options.accept),
    });
    const parsed = parseFetched(got.bytes, got.response, context);
    const digest = verifiedDigest(ref, parsed, got.response, context);
    await verifyFetchedSchema1(parsed, context);
    return { ...got, parsed, digest };
  });
  return {
    reference: ref.withDigest(digest),
    digest,
    mediaType: parsed.mediaType,
    kind: parsed.kind,
    manifest: parsed.manifest,
    parsed,
    bytes,
    size: bytes.byteLength,
    headers: response.headers,
  };
}

/**
 * The manifest parsed from what a GET received. A web page answering 200 where a manifest belongs (a host that is
 * not a registry) is said to be that, rather than "invalid manifest: not JSON".
 */
function parseFetched(bytes: Uint8Array, response: RegistryResponse, context: string) {
  try {
    return parseManifest(bytes, response.headers["content-type"]);
  } catch (error) {
    const foreign = notRegistrySuccess({
      method: "GET",
      url: response.url,
      status: response.status,
      headers: response.headers,
      body: Buffer.from(bytes.subarray(0, 4096)).toString("utf8"),
      context,
    });
    if (foreign) throw foreign;
    // Named as every other error of the read is: the reference and the request whose answer it was (QA library6 F6).
    if (error instanceof InvalidManifestError) {
      const request = { method: "GET", url: redactUrl(response.url) };
      throw new InvalidManifestError(`${context}: ${error.message} (${request.method} ${request.url})`, {
        request,
        status: response.status,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The digest of what was received, checked against what was asked for (a digest reference) and what the registry
 * claims (`Docker-Content-Digest`). Computed over the exact bytes, in the algorithm of the digest it is compared to.
 * The requested digest is checked first and on its own: a registry that serves other content under a digest and
 * sends a header matching that content (or no header) is still caught.
 */
function verifiedDigest(
  ref: Reference,
  parsed: ParsedManifest,
  response: RegistryResponse,
  context: string,
): string {
  const header = response.headers["docker-content-digest"];
  const expected = ref.digest ?? header;
  const algorithm = expected?.startsWith("sha512:") ? "sha512" : "sha256";
  const actual = manifestDigest(parsed, algorithm);
  for (const [what, want] of [
    ["the requested digest", ref.digest],
    ["the registry's Docker-Content-Digest", header],
  ] as const) {
    if (want && want.split(":")[0] === algorithm && want !== actual) {
      throw new DigestMismatchError(
        `${context}: the manifest received does not match ${what} (expected ${want}, got ${actual})`,
        { expected: want, actual, ...answered("GET", response) },
      );
    }
  }
  return actual;
}

/** Where a digest came from. */
export type DigestSource =
  /** The registry's `Docker-Content-Digest` on a HEAD: a claim, not checked against any bytes. */
  | "header"
  /** The manifest was fetched and hashed (and matched the header and the reference's digest, when present). */
  | "verified"
  /** The reference carried the digest, and the registry answered for it without claiming another. */
  | "reference";

export interface HeadResult {
  digest: string;
  /** Where {@link HeadResult.digest} came from: only `verified` was computed from the manifest's bytes. */
  source: DigestSource;
  mediaType?: string;
  size?: number;
  headers: Record<string, string>;
}

export interface HeadOptions extends ManifestOptions {
  /**
   * GET the manifest and hash it instead of trusting the HEAD's `Docker-Content-Digest` (costs a download, and on
   * Docker Hub one pull from the quota).
   */
  verify?: boolean;
}

/**
 * The manifest's digest, by HEAD when the registry sends `Docker-Content-Digest` (cheap, and not counted against
 * Docker Hub's pull limit), else (or with `verify`) by GET and hashing the bytes. The result says which
 * (`source`). Where the reference already carries a digest, a registry that names another one is refused
 * (DigestMismatchError naming both): the HEAD of `repo@sha256:A` answering `sha256:B` is a lie or a broken proxy.
 */
export async function headManifest(
  ctx: ClientContext,
  input: ReferenceInput,
  options: HeadOptions = {},
  /** The token actions of the HEAD: `pull,push` where a push or copy looks at its target (ManifestTarget.actions). */
  actions?: readonly string[],
): Promise<HeadResult> {
  const ref = toReference(ctx, input);
  if (!options.platform && !options.verify) {
    const context = `get manifest digest of ${ref.familiar()}`;
    const { response, claimed } = await fromMirrors(ctx, ref, options, async (registry) => {
      const response = await manifestHead(ctx.transport, {
        ...target(ref, context, options, registry),
        ...(actions ? { actions } : {}),
        accept: acceptHeader(options.accept),
      });
      const header = response.headers["docker-content-digest"];
      // A header that is no sha256/sha512 digest (`sha256:zzz`, `md5:abc`, garbage) is no claim a caller can use as
      // REPO@DIGEST: hash the manifest instead, as crane's digest refuses a header it cannot parse.
      const claimed = header && isValidDigest(header) ? header : undefined;
      // Compared within one algorithm only: a registry may name a manifest asked for by sha512 by its sha256.
      if (ref.digest && claimed && sameAlgorithm(claimed, ref.digest) && claimed !== ref.digest) {
        throw new DigestMismatchError(
          `${context}: the registry answered for another manifest (asked for ${ref.digest}, its Docker-Content-Digest is ${claimed}); it or a proxy in front of it is broken or lying`,
          { expected: ref.digest, actual: claimed, ...answered("HEAD", response) },
        );
      }
      return { response, claimed };
    });
    if (claimed || ref.digest) {
      // An empty or missing Content-Length is no size (Number("") would be 0).
      const length = Number(response.headers["content-length"] || Number.NaN);
      return {
        digest: ref.digest ?? (claimed as string),
        source: ref.digest ? "reference" : "header",
        ...(response.headers["content-type"]
          ? { mediaType: response.headers["content-type"].split(";")[0]!.trim() }
          : {}),
        ...(Number.isFinite(length) ? { size: length } : {}),
        headers: response.headers,
      };
    }
  }
  // The GET that stands in for the HEAD asks what the HEAD asked: one token for both, a refusal naming the same.
  const got = await getAskedManifest(ctx, ref, options, actions);
  return {
    digest: got.digest,
    source: "verified",
    mediaType: got.mediaType,
    size: got.size,
    headers: got.headers,
  };
}

/** `attempt` on the mirrors of the reference's registry first, unless `options.mirrors` is false. */
function fromMirrors<T>(
  ctx: ClientContext,
  ref: Reference,
  options: ManifestOptions,
  attempt: (registry: string) => Promise<T>,
): Promise<T> {
  if (options.mirrors === false) return attempt(ref.registry);
  return readThroughMirrors(ctx, ref.registry, attempt, options.signal);
}

/** The manifest a reference names, as the manifest endpoints take it (from `registry`: the host or a mirror). */
function target(ref: Reference, context: string, options: { signal?: AbortSignal }, registry = ref.registry) {
  return {
    registry,
    repository: ref.repository,
    reference: ref.identifier,
    context,
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

const sameAlgorithm = (a: string, b: string) => a.split(":")[0] === b.split(":")[0];

/** The status and redacted request of an answer, for an error about it. */
function answered(method: string, response: RegistryResponse) {
  return { status: response.status, request: { method, url: redactUrl(response.url) } };
}
