/**
 * `reg.referrers(ref)`: the manifests that refer to an image (signatures, SBOMs, attestations), from wherever a
 * registry keeps them, as one list. First the OCI 1.1 referrers API, every page; where the registry answers 404 (it
 * has no such API: distribution 2.8, GHCR), the referrers tag schema (fallback-tag.ts); and cosign's legacy
 * `.sig`/`.att`/`.sbom` tags in both cases (cosign-tags.ts). Each entry says where it was found (`source`).
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers
 */
import { NotFoundError } from "@regatta/errors";
import type { Descriptor } from "@regatta/manifest";
import type { Reference, RepositoryReference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "../context.js";
import { headManifest } from "../get-manifest.js";
import { followPages } from "../registry-api/pages.js";
import { referrersGet } from "../registry-api/referrers.js";
import { findCosignTags } from "./cosign-tags.js";
import { readFallbackIndex } from "./fallback-tag.js";
import { rememberReferrersApi } from "./referrers-api.js";

/** Where a referrer was found. */
export type ReferrerSource = "referrers-api" | "referrers-tag" | "cosign-tag";

/** A referrer: its descriptor (`artifactType`, `annotations` included), and where it was found. */
export interface Referrer extends Descriptor {
  source: ReferrerSource;
  /** The tag it was found by (the fallback tag, or cosign's `sha256-<hex>.sig`), for `referrers-tag`/`cosign-tag`. */
  tag?: string;
}

export interface ReferrersOptions {
  /** Only referrers of this artifact type (the registry filters when it can; Regatta does when it did not). */
  artifactType?: string;
  /** Also look for cosign's legacy tags (`sha256-<hex>.sig`, `.att`, `.sbom`). Default true. */
  cosign?: boolean;
  /** Whether the repository's mirrors may answer the tag lookups (default true); false for a delete's listing. */
  mirrors?: boolean;
  signal?: AbortSignal;
}

/** The referrers of one manifest. */
export interface ReferrersResult {
  /** The subject, pinned to its digest. */
  subject: Reference;
  digest: string;
  /** Every referrer found, the API's (or the fallback tag's) first, then cosign's tags; one entry per digest. */
  referrers: Referrer[];
  /** Whether the registry has the referrers API (false: the tag schema was read instead). */
  api: boolean;
  /** Why the fallback tag's content was ignored (it was not an index of referrers), when it was. */
  ignored?: string;
}

/** The referrers of `input` (a tag is resolved to its digest first: referrers refer to digests). */
export async function listReferrers(
  ctx: ClientContext,
  input: ReferenceInput,
  options: ReferrersOptions = {},
): Promise<ReferrersResult> {
  const ref = toReference(ctx, input);
  const signal = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.mirrors !== undefined ? { mirrors: options.mirrors } : {}),
  };
  const digest = ref.digest ?? (await headManifest(ctx, ref, signal)).digest;
  const repo = ref.repositoryOnly();
  const found: Referrer[] = [];
  let api = true;
  let ignored: string | undefined;
  try {
    for (const referrer of await fromApi(ctx, repo, digest, options)) found.push(referrer);
  } catch (error) {
    // The spec: a registry that supports the API MUST NOT answer it 404; a 404 means "use the tag schema".
    if (!(error instanceof NotFoundError)) throw error;
    api = false;
    const fallback = await readFallbackIndex(ctx, repo, digest, signal);
    ignored = fallback.ignored;
    found.push(
      ...fallback.manifests.map((m) => ({ ...m, source: "referrers-tag" as const, tag: fallback.tag })),
    );
  }
  // What the API answered holds for the repository: a push or delete after this needs no GET to know it.
  rememberReferrersApi(ctx, repo, api);
  if (options.cosign !== false) {
    for (const { descriptor, tag } of await findCosignTags(ctx, repo, digest, signal))
      found.push({ ...descriptor, source: "cosign-tag", tag });
  }
  const seen = new Set<string>();
  const referrers = found.filter((r) => {
    if (seen.has(r.digest) || !matches(r, options.artifactType)) return false;
    seen.add(r.digest);
    return true;
  });
  return {
    subject: ref.withDigest(digest),
    digest,
    referrers,
    api,
    ...(ignored !== undefined ? { ignored } : {}),
  };
}

/** Every page of the referrers API, filtered here when the registry says it did not filter. */
async function fromApi(
  ctx: ClientContext,
  repo: RepositoryReference,
  digest: string,
  options: ReferrersOptions,
): Promise<Referrer[]> {
  const out: Referrer[] = [];
  const pages = followPages(
    `list referrers of ${repo.name}@${digest}`,
    (next) =>
      referrersGet(ctx.transport, {
        registry: repo.registry,
        repository: repo.repository,
        digest,
        artifactType: options.artifactType,
        next,
        context: `list referrers of ${repo.name}@${digest}`,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    (page) => page.manifests.length,
    ctx.pagination,
  );
  for await (const page of pages) {
    // OCI-Filters-Applied lists what the registry filtered by; without `artifactType` there, every type came back.
    const filtered = page.filtersApplied.includes("artifactType");
    for (const m of page.manifests)
      if (filtered || matches(m, options.artifactType)) out.push({ ...m, source: "referrers-api" });
  }
  return out;
}

function matches(descriptor: Descriptor, artifactType: string | undefined): boolean {
  return artifactType === undefined || descriptor.artifactType === artifactType;
}
