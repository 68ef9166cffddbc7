/**
 * Removing one tag on a registry that deletes manifests by digest only (distribution 2.x, and most registries before
 * OCI distribution 1.1), without touching the manifest or its other tags: the tag is first moved to a small throwaway
 * manifest of its own, which is then deleted by digest, taking only that tag with it. This is regclient's TagDelete
 * (scheme/reg/tag.go). The throwaway is unique (a random nonce in its config and annotations), so its digest is
 * named by no other tag.
 */
import { randomBytes } from "node:crypto";
import { RegattaError } from "@regatta/errors";
import {
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  mediaTypeEssence,
  OCI_CONFIG,
  OCI_MANIFEST,
  serializeManifest,
} from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import type { ClientContext } from "./context.js";
import { pushBlob } from "./push-blob.js";
import { putManifest } from "./put-manifest.js";

/** Label and annotation keys on a throwaway manifest, so one left behind by a crash says what it is. */
export const UNTAG_LABEL = "org.regatta.untag";

/** The throwaway manifest for `tag`: Docker schema 2 when the tag named a Docker manifest, OCI otherwise. */
export function throwawayManifest(tag: string, originalMediaType: string) {
  const docker = [DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].includes(mediaTypeEssence(originalMediaType));
  const nonce = randomBytes(16).toString("hex");
  const labels = { [UNTAG_LABEL]: tag, [`${UNTAG_LABEL}.nonce`]: nonce };
  // A registry that the original was pushed to accepts its family; an image with no layers is the smallest that
  // distribution and the image spec accept (https://github.com/opencontainers/image-spec/blob/main/config.md).
  const config = serializeManifest({
    architecture: "amd64",
    os: "linux",
    config: { Labels: labels },
    rootfs: { type: "layers", diff_ids: [] },
  });
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = serializeManifest({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, digest: config.digest, size: config.size },
    layers: [],
    ...(docker ? {} : { annotations: labels }),
  });
  return { config, manifest: { ...manifest, mediaType } };
}

/** What {@link moveTagToThrowaway} did: the throwaway's digest, to delete by. */
export interface Throwaway {
  digest: string;
}

/** Pushes the throwaway's config blob, then the throwaway manifest to the tag. Nothing else moves. */
export async function moveTagToThrowaway(
  ctx: ClientContext,
  ref: Reference,
  originalMediaType: string,
  signal?: AbortSignal,
): Promise<Throwaway> {
  const { config, manifest } = throwawayManifest(ref.tag as string, originalMediaType);
  const sig = signal ? { signal } : {};
  await pushBlob(ctx, ref.repositoryOnly(), config.bytes, { digest: config.digest, ...sig });
  const put = await putManifest(ctx, ref, manifest.bytes, { mediaType: manifest.mediaType, ...sig });
  return { digest: put.digest };
}

/**
 * Puts the original manifest back under the tag after a failed untag. When even that fails, the error says where the
 * tag points and the one command that puts it back.
 */
export async function restoreTag(
  ctx: ClientContext,
  ref: Reference,
  original: { digest: string; bytes: Uint8Array; mediaType: string },
  throwaway: string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await putManifest(ctx, ref, original.bytes, {
      mediaType: original.mediaType,
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    const now = throwaway ? `now names the throwaway manifest ${throwaway}` : "may have moved";
    throw new RegattaError(
      `${ref.familiar()} ${now} and could not be put back to ${original.digest}: put it back with \`regatta tag ${ref.withoutTag().withDigest(original.digest).familiar()} ${ref.tag}\``,
      { code: "UNTAG_INCOMPLETE", cause },
    );
  }
}
