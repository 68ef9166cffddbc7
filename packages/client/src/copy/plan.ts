/**
 * Step 1 of a copy (copy.ts): what to push. The source's top manifest and, for an index, its children (every one, or
 * the chosen platforms), each looked up at the target by digest first: a child the target has is skipped with
 * everything below it. The blobs the missing manifests need are gathered once each.
 */
import { PUSH_ACTIONS } from "@regatta/auth";
import { NotFoundError, UnsupportedError } from "@regatta/errors";
import {
  type Descriptor,
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
import type { Reference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import {
  describedSize,
  getDescribedManifest,
  type HeadResult,
  headManifest,
  type ManifestResult,
} from "../get-manifest.js";
import { refuseDeepIndex } from "../index-depth.js";
import { mapConcurrent } from "../map-concurrent.js";

/** One manifest to push, with the blobs it needs (empty for an index). */
export interface Node {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  blobs: Descriptor[];
  /** The platform its index names it for; undefined for the top manifest and for children without one. */
  platform: string | undefined;
  /** The target has it already (HEAD by digest), and so its blobs. */
  present: boolean;
}

/** What a copy pushes: the children missing at the target first, then the top manifest, and the blobs they need. */
export interface CopyPlan {
  children: Node[];
  /** The top manifest's bytes as pushed: the source's, or an index rewritten to list the chosen platforms only. */
  topBytes: Uint8Array;
  /** The blobs of every manifest the target lacks, each once. */
  blobs: Descriptor[];
  /** How many manifests will be pushed. */
  manifests: number;
}

/** Plans the copy of `top` (fetched from `source`) to `target`; `filter` keeps only those platforms of an index. */
export async function planCopy(
  ctx: ClientContext,
  source: Reference,
  target: Reference,
  top: ManifestResult,
  options: {
    filter: readonly string[] | undefined;
    force: boolean;
    concurrency: number;
    signal?: AbortSignal;
    /** The token actions of the looks at the target: {@link PUSH_ACTIONS} (default), `pull` for a dry run. */
    actions?: readonly string[];
  },
): Promise<CopyPlan> {
  const { filter, force, concurrency, signal } = options;
  const actions = options.actions ?? PUSH_ACTIONS;
  const children: Node[] = [];
  let topBytes = top.bytes;
  if (top.kind === "index") {
    const index = JSON.parse(new TextDecoder().decode(top.bytes)) as ImageIndex;
    const chosen = chooseChildren(index, filter, source.familiar());
    if (filter) topBytes = serializeManifest({ ...index, manifests: chosen }).bytes;
    const nested = await mapConcurrent(
      chosen,
      concurrency,
      (d, _i, s) => collect(ctx, source, target, d, force, s, actions),
      signal,
    );
    for (const node of nested.flat()) children.push(node);
  }
  const topNode = toNode(
    top,
    topBytes,
    !force && !filter && (await hasManifest(ctx, target, top.digest, signal, actions)),
  );

  // Blobs, deduplicated, of every manifest the target lacks.
  const needed = new Map<string, Descriptor>();
  for (const node of [...children, topNode]) {
    if (!node.present) for (const blob of node.blobs) needed.set(blob.digest, blob);
  }
  return {
    children,
    topBytes,
    blobs: [...needed.values()],
    manifests: children.filter((c) => !c.present).length + 1,
  };
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

/** Whether the target's repository holds the manifest `digest`. */
async function hasManifest(
  ctx: ClientContext,
  target: Reference,
  digest: string,
  signal: AbortSignal | undefined,
  actions: readonly string[],
  /** The index entry naming it: the target's copy (its HEAD's length) is checked against the entry's size. */
  described?: { digest: string; size: number },
) {
  const ref = target.withoutTag().withDigest(digest);
  const head = await headAt(ctx, ref, signal, actions);
  if (head && described && head.size !== undefined)
    describedSize({ reference: ref, size: head.size }, described);
  return head !== undefined;
}

/**
 * The digest the target names now, or undefined when it names nothing. Asked with `actions`: the push's
 * ({@link PUSH_ACTIONS}) by default; a dry run, which only reads the target, asks `pull`.
 */
export async function digestAt(
  ctx: ClientContext,
  ref: Reference,
  signal?: AbortSignal,
  actions: readonly string[] = PUSH_ACTIONS,
): Promise<string | undefined> {
  return (await headAt(ctx, ref, signal, actions))?.digest;
}

/** The target's HEAD of `ref`, or undefined when it names nothing ({@link digestAt}). */
async function headAt(
  ctx: ClientContext,
  ref: Reference,
  signal: AbortSignal | undefined,
  actions: readonly string[],
): Promise<HeadResult | undefined> {
  try {
    // Stryker disable next-line ConditionalExpression: the transport reads `signal: undefined` as no signal, as when the key is absent.
    // The target itself, never a mirror of it (mirrors.ts): a mirror holding the manifest is no reason to skip it.
    // Asked with the push's scopes: a refusal here is of the push about to happen, and names it (not a pull).
    return await headManifest(ctx, ref, { ...(signal ? { signal } : {}), mirrors: false }, actions);
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
  actions: readonly string[],
  depth = 1,
): Promise<Node[]> {
  const platform = descriptor.platform ? formatPlatform(descriptor.platform) : undefined;
  if (!force && (await hasManifest(ctx, target, descriptor.digest, signal, actions, descriptor))) {
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
  const got = await getDescribedManifest(ctx, source, descriptor, { signal });
  if (got.kind === "schema1") {
    throw new UnsupportedError(`copy ${got.reference.familiar()}: schema 1 manifests cannot be pushed`);
  }
  const node = toNode(got, got.bytes, false, platform);
  if (got.kind !== "index") return [node];
  refuseDeepIndex(source, depth + 1);
  const nested: Node[] = [];
  for (const child of (got.manifest as ImageIndex).manifests) {
    for (const node of await collect(ctx, source, target, child, force, signal, actions, depth + 1)) {
      nested.push(node);
    }
  }
  return [...nested, node];
}
