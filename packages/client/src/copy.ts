/**
 * Copying an image (or index, or artifact) from one reference to another, in one registry or between two, as crane
 * and skopeo do:
 *
 * 1. The source manifest is fetched once, as bytes; an index brings its children (every one, or the chosen
 *    platforms, in which case the index is rewritten to list only those).
 * 2. Blobs go first, `concurrency` at a time, deduplicated across children: skipped when the target has them (HEAD),
 *    mounted within one registry, otherwise streamed from the source's GET straight into the target's PUT, never
 *    touching the disk and never held in memory. Size and digest are verified while the bytes stream through, as on
 *    every blob read (hashed once, on the download side). `verify: false` leaves the digest to the target, which
 *    computes it anyway and refuses a blob that does not match (DIGEST_INVALID); that saves one hash per byte (on a
 *    2-core machine about a tenth of the copy's time; bench/README.md) but trusts the target registry to check.
 * 3. Manifests follow their blobs (children before their index), by digest; the tag is pushed last, so a reader never
 *    sees a tag whose content is incomplete.
 *
 * Manifests are pushed as the exact bytes fetched, so the digest is preserved (`regatta digest` agrees on both
 * sides), except for an index rewritten for chosen platforms.
 */
import { NotFoundError, UnsupportedError } from "@regatta/errors";
import {
  type Descriptor,
  DOCKER_FOREIGN_LAYER,
  formatPlatform,
  type ImageIndex,
  type ImageManifest,
  isAttestation,
  listPlatforms,
  normalizePlatform,
  parsePlatform,
  selectManifest,
  serializeManifest,
} from "@regatta/manifest";
import { parseReference, type Reference } from "@regatta/reference";
import { BlobHandle } from "./blob-handle.js";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { getManifest, headManifest, type ManifestResult } from "./get-manifest.js";
import { mapConcurrent } from "./map-concurrent.js";
import { upload } from "./push-blob.js";
import { putManifest } from "./put-manifest.js";
import { blobGet } from "./registry-api/blobs.js";

/**
 * Blobs copied at once when the caller says nothing. Tuned with bench/copy.mjs (4 layers, 1 GiB, two local
 * registries, 2 cores): see bench/README.md.
 */
export const DEFAULT_COPY_CONCURRENCY = 4;

export interface CopyOptions {
  /** `all` (default) copies an index with every child; a list keeps only those platforms and rewrites the index. */
  platforms?: "all" | readonly string[];
  /** Send blobs and manifests even when the target has them. */
  force?: boolean;
  /**
   * Verify each blob's digest while it streams (default true). `false` leaves the check to the target registry,
   * which refuses a mismatch with DIGEST_INVALID: one hash fewer per byte, for registries you trust to check.
   */
  verify?: boolean;
  /** Blobs copied at once. Default {@link DEFAULT_COPY_CONCURRENCY}. */
  concurrency?: number;
  /** Progress events, for a display. */
  onProgress?: (event: CopyEvent) => void;
  signal?: AbortSignal;
}

/** What happened to one blob. `foreign`: a Docker foreign layer, which lives elsewhere and is never copied. */
export type BlobOutcome = "uploaded" | "mounted" | "skipped" | "foreign";

/** A progress event of {@link copyImage}. */
export type CopyEvent =
  | { type: "plan"; blobs: Descriptor[]; bytes: number; manifests: number }
  | { type: "blob-progress"; digest: string; size: number; bytes: number }
  | { type: "blob-done"; digest: string; size: number; outcome: BlobOutcome }
  | {
      type: "manifest-done";
      digest: string;
      mediaType: string;
      reference: string;
      outcome: "pushed" | "skipped";
    };

/** What a copy did. */
export interface CopyResult {
  source: string;
  target: string;
  /** The digest of the top manifest at the target. */
  digest: string;
  /** The digest of the top manifest at the source (differs only when the index was rewritten). */
  sourceDigest: string;
  mediaType: string;
  /** The index was rewritten to list only the chosen platforms. */
  rewritten: boolean;
  /** The target already had this manifest under this name: nothing was sent. */
  upToDate: boolean;
  manifests: { digest: string; mediaType: string; platform?: string; outcome: "pushed" | "skipped" }[];
  blobs: { digest: string; size: number; outcome: BlobOutcome }[];
  /** Bytes streamed to the target (mounted and skipped blobs count nothing). */
  bytesUploaded: number;
}

/** One manifest to push, with the blobs it needs (empty for an index). */
interface Node {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  blobs: Descriptor[];
  /** The platform its index names it for; undefined for the top manifest and for children without one. */
  platform: string | undefined;
  /** The target has it already (HEAD by digest), and so its blobs. */
  present: boolean;
}

/** The target of a copy: a repository alone takes the source's tag (or is pushed by digest when there is none). */
export function copyTarget(ctx: ClientContext, source: Reference, target: ReferenceInput): Reference {
  const ref =
    typeof target === "string"
      ? parseReference(target, { defaultRegistry: ctx.defaultRegistry, defaultTag: false })
      : target;
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  // Stryker disable next-line ConditionalExpression: withTag(undefined) is this same reference without a tag; the check spares a copy.
  return source.tag === undefined ? ref : ref.withTag(source.tag);
}

/** The children of an index to copy: all, or the best match for each wanted platform plus their attestations. */
function chooseChildren(
  index: ImageIndex,
  platforms: readonly string[] | undefined,
  what: string,
): Descriptor[] {
  if (!platforms) return index.manifests;
  const kept = new Set<string>();
  for (const wanted of platforms) {
    const chosen = selectManifest(index, normalizePlatform(parsePlatform(wanted)), { strict: true });
    if (!chosen) {
      throw new NotFoundError(
        `${what} has no image for platform ${wanted}; it has: ${listPlatforms(index).join(", ") || "none"}`,
        { code: "MANIFEST_UNKNOWN" },
      );
    }
    kept.add(chosen.digest);
  }
  // BuildKit attestations point at the image they describe: keep those of the images kept.
  return index.manifests.filter(
    (d) =>
      kept.has(d.digest) ||
      // Stryker disable next-line StringLiteral: no kept digest is a string that is not a digest, "" or another.
      (isAttestation(d) && kept.has(d.annotations?.["vnd.docker.reference.digest"] ?? "")),
  );
}

/** Copies `source` to `target`; see the module comment. */
export async function copyImage(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  targetInput: ReferenceInput,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const source = toReference(ctx, sourceInput);
  const target = copyTarget(ctx, source, targetInput);
  const { signal, force = false, verify = true, onProgress } = options;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_COPY_CONCURRENCY);
  const filter = options.platforms && options.platforms !== "all" ? options.platforms : undefined;
  // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
  const sig = signal ? { signal } : {};
  const top = await getManifest(ctx, source, sig);
  const base = {
    source: source.toString(),
    target: target.toString(),
    sourceDigest: top.digest,
    mediaType: top.mediaType,
  };
  if (top.kind === "schema1") {
    throw new UnsupportedError(
      `copy ${source.familiar()}: Docker schema 1 manifests cannot be pushed to current registries`,
    );
  }

  if (!force && !filter && (await digestAt(ctx, target, signal)) === top.digest) {
    return {
      ...base,
      digest: top.digest,
      rewritten: false,
      upToDate: true,
      manifests: [],
      blobs: [],
      bytesUploaded: 0,
    };
  }

  // 1. What to push: children first, then the top manifest (rewritten when platforms were chosen).
  const children: Node[] = [];
  let topBytes = top.bytes;
  if (top.kind === "index") {
    const index = JSON.parse(new TextDecoder().decode(top.bytes)) as ImageIndex;
    const chosen = chooseChildren(index, filter, source.familiar());
    if (filter) topBytes = serializeManifest({ ...index, manifests: chosen }).bytes;
    const nested = await mapConcurrent(
      chosen,
      concurrency,
      (d, _i, s) => collect(ctx, source, target, d, force, s),
      signal,
    );
    children.push(...nested.flat());
  }
  const topNode = toNode(
    top,
    topBytes,
    !force && !filter && (await hasManifest(ctx, target, top.digest, signal)),
  );

  // 2. Blobs, deduplicated, of every manifest the target lacks.
  const needed = new Map<string, Descriptor>();
  for (const node of [...children, topNode]) {
    if (!node.present) for (const blob of node.blobs) needed.set(blob.digest, blob);
  }
  const blobs = [...needed.values()];
  onProgress?.({
    type: "plan",
    blobs,
    bytes: blobs.reduce((n, b) => n + b.size, 0),
    manifests: children.filter((c) => !c.present).length + 1,
  });
  let bytesUploaded = 0;
  const sameRegistry = source.registry === target.registry;
  const targetRepo = target.repositoryOnly();
  const copied = await mapConcurrent(
    blobs,
    concurrency,
    async (blob, _i, s): Promise<CopyResult["blobs"][number]> => {
      const done = (outcome: BlobOutcome) => {
        onProgress?.({ type: "blob-done", digest: blob.digest, size: blob.size, outcome });
        return { digest: blob.digest, size: blob.size, outcome };
      };
      if (blob.mediaType === DOCKER_FOREIGN_LAYER && blob.urls?.length) return done("foreign");
      if (!force && (await new BlobHandle(ctx, targetRepo, blob.digest).exists({ signal: s }))) {
        return done("skipped");
      }
      if (sameRegistry && source.repository === target.repository) return done("skipped");
      const download = async () => {
        const got = await blobGet(ctx.transport, {
          registry: source.registry,
          repository: source.repository,
          digest: blob.digest,
          size: blob.size,
          verifyDigest: verify,
          signal: s,
          context: `get blob ${blob.digest} from ${source.name}`,
        });
        return got.stream;
      };
      let sent = 0;
      const result = await upload(ctx, targetRepo, {
        source: download,
        digest: blob.digest,
        size: blob.size,
        // Hashed at most once: on the download side, or (verify: false) only by the target registry.
        // Stryker disable next-line BooleanLiteral: hashing again on the upload side costs time, not correctness: the download side already refuses a mismatch.
        verify: false,
        ...(sameRegistry ? { mountFrom: source.repository } : {}),
        onProgress: (bytes) => {
          sent = bytes;
          onProgress?.({ type: "blob-progress", digest: blob.digest, size: blob.size, bytes });
        },
        signal: s,
      });
      // A mounted blob sends no bytes: `sent` stays 0 (and counts what was sent when a refused mount fell back).
      bytesUploaded += sent;
      return done(result.mounted ? "mounted" : "uploaded");
    },
    signal,
  );

  // 3. Manifests after their blobs, children before their index, the tag last.
  const manifests: CopyResult["manifests"] = [];
  for (const node of children) {
    if (!node.present)
      await putManifest(ctx, target.withoutTag().withDigest(node.digest), node.bytes, {
        mediaType: node.mediaType,
        ...sig,
      });
    const outcome = node.present ? "skipped" : "pushed";
    manifests.push({
      digest: node.digest,
      mediaType: node.mediaType,
      ...(node.platform ? { platform: node.platform } : {}),
      outcome,
    });
    onProgress?.({
      type: "manifest-done",
      digest: node.digest,
      mediaType: node.mediaType,
      reference: target.withoutTag().withDigest(node.digest).toString(),
      outcome,
    });
  }
  const pushed = await putManifest(ctx, target, topBytes, { mediaType: top.mediaType, ...sig });
  manifests.push({ digest: pushed.digest, mediaType: pushed.mediaType, outcome: "pushed" });
  onProgress?.({
    type: "manifest-done",
    digest: pushed.digest,
    mediaType: pushed.mediaType,
    reference: target.toString(),
    outcome: "pushed",
  });
  return {
    ...base,
    target: pushed.reference.toString(),
    digest: pushed.digest,
    rewritten: pushed.digest !== top.digest,
    upToDate: false,
    manifests,
    blobs: copied,
    bytesUploaded,
  };
}

/** Whether the target's repository holds the manifest `digest`. */
async function hasManifest(ctx: ClientContext, target: Reference, digest: string, signal?: AbortSignal) {
  return (await digestAt(ctx, target.withoutTag().withDigest(digest), signal)) !== undefined;
}

/** The digest the target names now, or undefined when it names nothing. */
async function digestAt(
  ctx: ClientContext,
  ref: Reference,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    return (await headManifest(ctx, ref, signal ? { signal } : {})).digest;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function toNode(got: ManifestResult, bytes: Uint8Array, present: boolean, platform?: string): Node {
  const blobs =
    got.kind === "image"
      ? [(got.manifest as ImageManifest).config, ...(got.manifest as ImageManifest).layers]
      : [];
  return {
    digest: got.digest,
    mediaType: got.mediaType,
    bytes,
    blobs,
    present,
    platform,
  };
}

/** A child of an index, fetched by digest, with its own children when it is an index too. */
async function collect(
  ctx: ClientContext,
  source: Reference,
  target: Reference,
  descriptor: Descriptor,
  force: boolean,
  signal: AbortSignal,
): Promise<Node[]> {
  const platform = descriptor.platform ? formatPlatform(descriptor.platform) : undefined;
  if (!force && (await hasManifest(ctx, target, descriptor.digest, signal))) {
    // The registry checked its blobs (and children) when it was pushed: nothing below it is needed.
    const { digest, mediaType } = descriptor;
    return [
      {
        digest,
        mediaType,
        bytes: new Uint8Array(),
        // Stryker disable next-line ArrayDeclaration: a present node's blobs are never read (step 2 skips present nodes).
        blobs: [],
        present: true,
        platform,
      },
    ];
  }
  const got = await getManifest(ctx, source.withoutTag().withDigest(descriptor.digest), { signal });
  if (got.kind === "schema1") {
    throw new UnsupportedError(`copy ${got.reference.familiar()}: schema 1 manifests cannot be pushed`);
  }
  const node = toNode(got, got.bytes, false, platform);
  if (got.kind !== "index") return [node];
  const nested: Node[] = [];
  for (const child of (got.manifest as ImageIndex).manifests) {
    nested.push(...(await collect(ctx, source, target, child, force, signal)));
  }
  return [...nested, node];
}
