/**
 * An image's config blob, read and parsed, and what it says of the image's platform: the one home of the check that
 * a single image (no index to choose from) is of the platform a caller asked for, shared by the commands that read
 * (config, inspect, manifest) and those that write or resolve (copy, digest, pull).
 */
import { NotFoundError } from "@regatta/errors";
import {
  formatPlatform,
  IMAGE_CONFIG_TYPES,
  type ImageConfig,
  type ImageManifest,
  type Platform,
  parseImageConfig,
  parsePlatform,
  selectManifest,
} from "@regatta/manifest";
import { BlobHandle } from "./blob-handle.js";
import type { ClientContext } from "./context.js";
import type { ManifestResult } from "./get-manifest.js";

/** An image's config blob, parsed, with its digest. */
export interface ConfigResult {
  digest: string;
  mediaType: string;
  config: ImageConfig;
  bytes: Uint8Array;
  /** The digest of the index the image was chosen from, when the reference named an index. */
  index?: string;
  /** The platform the config names (`os/arch[/variant]`), when it names an OS. */
  platform?: string;
}

/** Downloads (verified) and parses the config blob of an image manifest. */
export async function readConfig(
  ctx: ClientContext,
  image: ManifestResult,
  signal?: AbortSignal,
): Promise<ConfigResult> {
  const { config } = image.manifest as ImageManifest;
  const blob = new BlobHandle(ctx, image.reference.repositoryOnly(), config.digest, config.size);
  const bytes = await blob.bytes(signal ? { signal } : {});
  return { digest: config.digest, mediaType: config.mediaType, config: parseImageConfig(bytes), bytes };
}

/** The platform an image config names (`os/arch[/variant]`), or undefined when it names no OS. */
export function configPlatform(config: ImageConfig): string | undefined {
  if (!config.os) return undefined;
  return formatPlatform({
    os: config.os,
    architecture: config.architecture ?? "unknown",
    ...(config.variant ? { variant: config.variant } : {}),
  });
}

/**
 * The platforms asked of a single image that was fetched without an index to choose from (copy, pull, digest):
 * reads its config (one small GET, only when a platform was asked) and refuses an image whose config names none of
 * them, before anything is written anywhere, as {@link getConfig} refuses it for `config` and `inspect`. Returns the
 * image's own platform, for the note that says the flag had nothing to choose; undefined when its config names
 * none, or when the manifest is not an image with an image config (an artifact).
 */
export async function checkAskedPlatforms(
  ctx: ClientContext,
  image: ManifestResult,
  asked: readonly string[],
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (asked.length === 0 || image.index || image.kind !== "image") return undefined;
  const manifest = image.manifest as ImageManifest;
  if (!IMAGE_CONFIG_TYPES.has(manifest.config.mediaType)) return undefined;
  const { config } = await readConfig(ctx, image, signal);
  const own = configPlatform(config);
  if (own === undefined) return undefined;
  const failures: unknown[] = [];
  for (const platform of asked) {
    try {
      checkSinglePlatform(image, config, platform);
      return own;
    } catch (error) {
      failures.push(error);
    }
  }
  if (asked.length === 1) throw failures[0];
  throw new NotFoundError(
    `${(image.reference.tag ? image.reference.withoutDigest() : image.reference).familiar()} is a single image for ${own}, not ${asked.join(" or ")}: it has no other platform`,
    { code: "MANIFEST_UNKNOWN" },
  );
}

/**
 * `--platform` on a reference to a single image, not an index (issue 12): there is nothing to choose from, and the
 * image is the answer when its config names that platform (as the index's selection would match it: `linux/arm64`
 * is `linux/arm64/v8`) or names none (an artifact). A config naming another platform is refused with the error an
 * index without the platform gets (NotFoundError, MANIFEST_UNKNOWN), as `docker pull --platform` refuses it: the
 * caller asked for an image that the reference does not have, and a script must not go on with the wrong one.
 */
export function checkSinglePlatform(
  image: ManifestResult,
  config: ImageConfig,
  asked: string | Platform | undefined,
): void {
  const own = configPlatform(config);
  if (asked === undefined || own === undefined) return;
  const wanted = typeof asked === "string" ? parsePlatform(asked) : asked;
  if (
    selectManifest(
      {
        manifests: [
          {
            mediaType: image.mediaType,
            digest: image.digest,
            size: image.size,
            platform: parsePlatform(own),
          },
        ],
      },
      wanted,
    )
  )
    return;
  throw new NotFoundError(
    `${(image.reference.tag ? image.reference.withoutDigest() : image.reference).familiar()} is a single image for ${own}, not ${formatPlatform(wanted)}: it has no other platform`,
    { code: "MANIFEST_UNKNOWN" },
  );
}
