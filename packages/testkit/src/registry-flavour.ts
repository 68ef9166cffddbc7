import type { FakeManifest } from "./fake-store.js";

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
}
