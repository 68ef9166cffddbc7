/**
 * cosign's tags from before OCI 1.1: a signature of `sha256:<hex>` is the manifest tagged `sha256-<hex>.sig`, an
 * attestation `.att`, an SBOM `.sbom` (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md,
 * "Storage"). Most signatures in the wild are still these, so a listing of referrers that skipped them would miss
 * them. They are found by asking for the three tags (HEAD), and the manifests of those that exist (GET by digest).
 */
import { NotFoundError } from "@regatta/errors";
import { type Descriptor, type ImageManifest, parseDigest } from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { getManifest, headManifest } from "../get-manifest.js";
import { referrerDescriptor } from "./fallback-tag.js";

/** cosign's suffixes, each with the artifact type a listing gives it when its manifest names none. */
export const COSIGN_SUFFIXES = {
  sig: "application/vnd.dev.cosign.artifact.sig.v1+json",
  att: "application/vnd.dev.cosign.artifact.att.v1+json",
  sbom: "application/vnd.dev.cosign.artifact.sbom.v1+json",
} as const;

/** One cosign tag found, as a descriptor of the manifest it names, and the tag. */
export interface CosignTagReferrer {
  descriptor: Descriptor;
  tag: string;
}

/** The cosign tags of `subject` that exist in `repo`, in the order sig, att, sbom. */
export async function findCosignTags(
  ctx: ClientContext,
  repo: RepositoryReference,
  subject: string,
  options: { signal?: AbortSignal; mirrors?: boolean } = {},
): Promise<CosignTagReferrer[]> {
  const { algorithm, hex } = parseDigest(subject);
  const found = await Promise.all(
    (Object.keys(COSIGN_SUFFIXES) as (keyof typeof COSIGN_SUFFIXES)[]).map(async (suffix) => {
      const tag = `${algorithm}-${hex}.${suffix}`;
      try {
        // HEAD first: most images have none of the three, and on Docker Hub a HEAD costs no pull from the quota.
        const { digest } = await headManifest(ctx, `${repo.name}:${tag}`, options);
        const m = await getManifest(ctx, `${repo.name}@${digest}`, options);
        const manifest = m.kind === "image" ? (m.manifest as ImageManifest) : undefined;
        // cosign's manifests set no artifactType and an OCI image config type; name the kind by the suffix.
        const descriptor = referrerDescriptor({
          mediaType: m.mediaType,
          digest: m.digest,
          size: m.size,
          artifactType: manifest?.artifactType ?? COSIGN_SUFFIXES[suffix],
          annotations: manifest?.annotations,
        });
        return { descriptor, tag };
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    }),
  );
  return found.filter((f): f is CosignTagReferrer => f !== undefined);
}
