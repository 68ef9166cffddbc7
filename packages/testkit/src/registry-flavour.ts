import type { FakeManifest, FakeRegistryStore, StoredRepository } from "./fake-store.js";
import type { FakeRegistryAuth } from "./registry-handlers.js";
import type { TokenAccess } from "./token-issuer.js";

/** One entry of an `errors[]` body as a flavour renders it. */
export interface FlavourError {
  code: string;
  /** Defaults to the flavour's message for `code`. */
  message?: string;
  /** Left out of the body when undefined; `null` is written as `null`. */
  detail?: unknown;
}

/** What a manifest GET/HEAD should serve after content negotiation. */
export type NegotiationResult =
  | { digest: string; manifest: { bytes: Buffer; mediaType: string } }
  | { status: number; error: FlavourError };

/** Input of {@link RegistryFlavour.negotiateManifest}. */
export interface NegotiationContext {
  /** The manifest found for the reference, and its digest. */
  digest: string;
  manifest: { bytes: Buffer; mediaType: string };
  /** Media types listed in all `Accept` headers, parameters stripped. */
  accept: Set<string>;
  /** The reference was a tag (not a digest). */
  byTag: boolean;
  /** The tag or digest asked for. */
  reference: string;
  repository: string;
  /** Looks up another manifest of the same repository. */
  lookup(digest: string): FakeManifest | undefined;
}

/**
 * The ways registries differ, as data and small hooks. The distribution flavour
 * (`flavours/distribution.ts`) is the reference; another registry is a small file that spreads it and
 * overrides what differs (`{ ...distributionFlavour, name: "ghcr", tagsPagination: true }`).
 */
export interface RegistryFlavour {
  name: string;
  /** Headers on every response, errors and unknown routes included. */
  commonHeaders: Record<string, string>;
  /** Content-Type of JSON answers (errors, tags, catalog, ping). */
  jsonContentType: string;
  /** Serializes an object as the registry does (distribution: Go's json.Encoder adds a newline). */
  json(value: unknown): string;
  /** Body of `GET /v2/` when allowed. */
  pingBody: string;
  /** Default message per error code. */
  messages: Record<string, string>;
  /** Answer for a path no route matches. */
  notFound(): { status: number; headers: Record<string, string>; body: string };
  /** Realm of the Basic challenge. */
  basicRealm: string;
  /** Whether `tags/list` honours `n` and `last` (distribution 2.8.2 ignores them). */
  tagsPagination: boolean;
  /** Page size of `_catalog` when `n` is absent. */
  catalogDefaultPageSize: number;
  /** `"tags": null` instead of `[]` for a repository whose tags were all deleted. */
  emptyTagsAsNull: boolean;
  /** Whether `POST /blobs/uploads/?digest=` with a body completes in one request (2.8.2: no, it opens a session). */
  monolithicPost: boolean;
  /** Answer to `DELETE /manifests/<tag>`: untag, or refuse as distribution 2.8.2 does. */
  deleteByTag: "untag" | { status: number; error: FlavourError };
  /** Whether DELETE of manifests and blobs is allowed at all (distribution: `storage.delete.enabled`). */
  deleteEnabled: boolean;
  /** Picks what a manifest GET/HEAD serves, given the client's Accept header. */
  negotiateManifest(ctx: NegotiationContext): NegotiationResult;

  // ---- optional hooks: how other registries differ from distribution (see flavours/*.ts) ----------------------
  /** Defaults for {@link RegistryHandlersOptions} `host` and `auth` (Docker Hub: registry-1.docker.io + Bearer). */
  defaults?: { host?: string; auth?: FakeRegistryAuth };
  /**
   * The whole `WWW-Authenticate` of a Bearer challenge (Quay names no scope). Default
   * `Bearer realm="…",service="…"[,scope="…"][,error="…"]`.
   */
  bearerChallenge?(parts: {
    realm: string;
    service: string;
    scope?: string;
    error?: string;
    route: RouteKind;
  }): string;
  /** The whole `WWW-Authenticate` of a Basic challenge (ECR adds a `service`). Default `Basic realm="…"`. */
  basicChallenge?(request: Request): string;
  /** Actions the token endpoint grants (Docker Hub: nothing on unknown repositories; Harbor: catalog for admins). */
  tokenAccess?(user: string | undefined, scope: TokenAccess, store: FakeRegistryStore): string[];
  /** Reshapes the token endpoint's JSON answer (GHCR sends `token` alone). */
  tokenBody?(body: Record<string, unknown>): Record<string, unknown>;
  /** Tag pagination other than distribution's `last`: default page size, the cursor, the `Link` header. */
  tagsPaging?: {
    /** Page size when the request has no `n` (Quay: 50). Default: everything. */
    defaultSize?: number;
    /** The last tag already seen, from the request (default the `last` parameter). */
    after?(url: URL): string | undefined;
    /** The `Link` header to the page after `last`. */
    link(ctx: { name: string; last: string; n: number; origin: string }): string;
  };
  /** The `tags/list` body (GAR adds Google's `child` and `manifest` maps). Default `{ name, tags }`. */
  tagsBody?(ctx: { name: string; tags: string[] | null; repository: StoredRepository }): unknown;
  /** Whether manifest answers carry `Docker-Content-Digest`, per method (ECR: not on GET). Default both. */
  digestHeader?: { get?: boolean; head?: boolean };
  /** Rewrites an error before it is written (Harbor's `NOT_FOUND`, ECR's and GAR's messages). */
  mapError?(error: FlavourError, ctx: RouteContext): FlavourError;
  /** Writes an error body other than `{"errors":[…]}` (ECR's plain-text 401). Undefined: the default. */
  errorBody?(
    status: number,
    errors: FlavourError[],
    ctx: RouteContext,
  ): { contentType: string; body: string } | undefined;
  /** Answers before the route does (Docker Hub's pull rate limit); undefined lets the route answer. */
  preempt?(ctx: RouteContext): FlavourFault | undefined;
  /**
   * The OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`, and `OCI-Subject` on a manifest PUT with a
   * subject), with or without `artifactType` filtering (fake-registry/referrers.ts). Undefined: none, a 404 as from
   * distribution 2.8, so clients use the referrers tag schema.
   */
  referrers?: {
    filtering: boolean;
    pageSize?: number;
    /**
     * What `OCI-Subject` says on a PUT with a subject: the subject's digest (the spec, the default), or `true`, as
     * registries built on the spec's 2023 drafts answered (zot before project-zot/zot#1410 sent `true`).
     */
    subjectHeader?: "digest" | "true";
  };
  /**
   * GitLab's quirk: a tag `<alg>-<hex>` that names no tag resolves to the manifest `<alg>:<hex>`, so the referrers
   * fallback tag of a subject answers the subject itself.
   */
  digestTagsResolve?: boolean;
  /** Headers added to a route's answer (Docker Hub's `ratelimit-*` on manifests, Harbor's `X-Request-Id`). */
  routeHeaders?(ctx: RouteContext & { status: number }): Record<string, string>;
}

/** Which API a request went to. */
export type RouteKind = "ping" | "catalog" | "tags" | "manifest" | "blob" | "upload" | "referrers";

/** What the flavour hooks know about a request. */
export interface RouteContext {
  request: Request;
  route: RouteKind;
  repository?: string;
  /** Tag or digest of a manifest route, digest of a blob route. */
  reference?: string;
  store: FakeRegistryStore;
  /** Per-handlers scratch space for stateful flavours (Docker Hub's pull counter). */
  state: Record<string, unknown>;
}

/** An error answer a flavour hook or {@link RegistryHandlers.inject} makes a route give. */
export interface FlavourFault {
  status: number;
  error: FlavourError;
  headers?: Record<string, string>;
}
