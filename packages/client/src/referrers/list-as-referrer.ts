/**
 * What a client owes the registry after it pushed a manifest with a `subject`: where the registry has no referrers
 * API, the client lists the manifest in the subject's fallback tag index itself
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject). Every
 * push of such a manifest goes through here (putManifest: `attach`, `copy`, `push`, `put-manifest`, a sync), so a
 * referrer copied or pushed to CNCF distribution 2.x is as findable as one attached.
 */
import { type Descriptor, isValidDigest } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { addToFallbackIndex, referrerDescriptor } from "./fallback-tag.js";
import { hasReferrersApi } from "./referrers-api.js";

/** How a pushed referrer can be found: by the registry's API, or in the fallback index at `fallbackTag`. */
export type ReferrerListing = { how: "api" } | { how: "fallback-tag"; fallbackTag: string };

/** The parts of a pushed manifest its referrer descriptor is made of. */
export interface PushedReferrer {
  mediaType: string;
  digest: string;
  size: number;
  /** The manifest's `subject`, `artifactType`, config and `annotations`, as parsed. */
  manifest: {
    subject?: unknown;
    artifactType?: unknown;
    config?: { mediaType?: unknown };
    annotations?: unknown;
  };
  /** The registry's `OCI-Subject` answer to the PUT. */
  claimedSubject?: string;
}

/** The manifest's subject digest, when it has a usable one. */
export function subjectDigestOf(manifest: PushedReferrer["manifest"]): string | undefined {
  const subject = manifest.subject as Partial<Descriptor> | undefined;
  return typeof subject?.digest === "string" && isValidDigest(subject.digest) ? subject.digest : undefined;
}

/**
 * Lists `pushed` (a manifest just PUT to `repo`) as a referrer of its subject: nothing to do where the registry
 * answered `OCI-Subject` and really serves the API (checked once per repository, referrers-api.ts: ECR claimed it
 * without serving it); otherwise it is added to the subject's fallback tag index, keeping every referrer listed there.
 * @returns undefined when the manifest has no subject.
 */
export async function listAsReferrer(
  ctx: ClientContext,
  repo: RepositoryReference,
  pushed: PushedReferrer,
  options: { signal?: AbortSignal } = {},
): Promise<ReferrerListing | undefined> {
  const subject = subjectDigestOf(pushed.manifest);
  if (subject === undefined) return undefined;
  if (pushed.claimedSubject === subject && (await hasReferrersApi(ctx, repo, subject, options)))
    return { how: "api" };
  const { manifest } = pushed;
  const descriptor = referrerDescriptor({
    mediaType: pushed.mediaType,
    digest: pushed.digest,
    size: pushed.size,
    artifactType: typeof manifest.artifactType === "string" ? manifest.artifactType : undefined,
    configMediaType: typeof manifest.config?.mediaType === "string" ? manifest.config.mediaType : undefined,
    annotations:
      manifest.annotations && typeof manifest.annotations === "object"
        ? (manifest.annotations as Record<string, string>)
        : undefined,
  });
  const updated = await addToFallbackIndex(ctx, repo, subject, descriptor, options);
  return { how: "fallback-tag", fallbackTag: updated.tag };
}
