import { UsageError } from "@regatta/errors";
import { isValidTag, parseReference, type Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { getManifest } from "./get-manifest.js";
import { type PutManifestResult, putManifest } from "./put-manifest.js";

/**
 * The target of `tag`: a bare tag (`v2`) names a tag of the source's repository; anything else is a reference in the
 * same registry (`team/app:v2`, `localhost:5000/team/app:v2`).
 */
export function tagTarget(source: Reference, target: ReferenceInput): Reference {
  if (typeof target === "string" && isValidTag(target) && !target.includes(":")) {
    return source.withoutDigest().withTag(target);
  }
  // Without a registry, the target is in the source's registry (not the client's default one).
  const ref =
    typeof target === "string" ? parseReference(target, { defaultRegistry: source.registry }) : target;
  if (ref.registry !== source.registry) {
    throw new UsageError(
      `tag works within one registry (${source.registry} → ${ref.registry}); use copy to move an image between registries`,
    );
  }
  return ref;
}

/**
 * Tags a manifest under another name (the Ruby gem's `tag`): the manifest's exact bytes are fetched and pushed to the
 * target, so its digest is unchanged; no blob moves. A target in another repository must hold the blobs already
 * (the registry answers MANIFEST_BLOB_UNKNOWN otherwise: use copy).
 */
export async function tagImage(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  target: ReferenceInput,
  options: { signal?: AbortSignal } = {},
): Promise<PutManifestResult> {
  const source = toReference(ctx, sourceInput);
  const dst = tagTarget(source, target);
  const got = await getManifest(ctx, source, options.signal ? { signal: options.signal } : {});
  return putManifest(ctx, dst, got.bytes, {
    mediaType: got.mediaType,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
