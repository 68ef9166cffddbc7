import { UsageError } from "@regatta/errors";
import { isValidTag, parseReference, type Reference } from "@regatta/reference";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { copyImage } from "./copy.js";
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
  if (ref.tag === undefined) {
    throw new UsageError(
      `tag needs a tag to write: ${ref.familiar()} names a digest only (copy pushes a manifest by digest)`,
    );
  }
  return ref;
}

/**
 * Tags a manifest under another name (the Ruby gem's `tag`): the manifest's exact bytes are fetched and pushed to the
 * target, so its digest is unchanged. A target in another repository of the registry first gets what the manifest
 * references (blobs mounted with `POST …/blobs/uploads/?mount=&from=`, an index's children pushed, by
 * {@link copyImage}, the one copy machinery): a registry refuses a manifest whose blobs the repository lacks
 * (MANIFEST_BLOB_UNKNOWN), and `regatta tag --help` shows exactly that case.
 *
 * The source is read once and everything after goes by that digest, so a tag moved meanwhile cannot leave the target
 * tagged with a manifest whose blobs were not the ones brought over.
 */
export async function tagImage(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  target: ReferenceInput,
  options: { signal?: AbortSignal } = {},
): Promise<PutManifestResult> {
  const source = toReference(ctx, sourceInput);
  const dst = tagTarget(source, target);
  const sig = options.signal ? { signal: options.signal } : {};
  // The registry's own manifest, never a mirror's (mirrors.ts): the tag is written in that registry.
  const got = await getManifest(ctx, source, { ...sig, mirrors: false });
  if (dst.digest !== undefined && dst.digest !== got.digest) {
    throw new UsageError(
      `tag ${source.familiar()} as ${dst.familiar()}: the manifest is ${got.digest}, not the target's ${dst.digest}`,
    );
  }
  if (dst.repository !== source.repository) {
    // By digest, both ends: the content arrives untagged, and the tag is the last thing written, below.
    const pinned = source.withoutTag().withDigest(got.digest);
    await copyImage(ctx, pinned, dst.withoutTag().withDigest(got.digest), sig);
  }
  return putManifest(ctx, dst, got.bytes, { mediaType: got.mediaType, ...sig });
}
