/**
 * The index entry of an image: its descriptor with the platform its config names. An index built by hand states
 * each image's platform as the image's own config does (`os`, `architecture`, `variant`, `os.version`,
 * `os.features`), never a guess, as `docker buildx imagetools create` and `regctl index add` read it.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md#properties
 */
import { quoteText, UsageError } from "@regatta/errors";
import type { Descriptor } from "./descriptor.js";
import type { ImageConfig } from "./image-config.js";
import type { ImageManifest } from "./image-manifest.js";
import { DOCKER_MANIFEST, IMAGE_CONFIG_TYPES } from "./media-types.js";
import type { Platform } from "./platform.js";

/**
 * The platform an image config names, fields in the OCI Go types' order (as other tools write it), or undefined when
 * it names no OS or no architecture.
 */
export function platformOfConfig(config: ImageConfig): Platform | undefined {
  if (!config.os || !config.architecture) return undefined;
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config["os.version"]) platform["os.version"] = config["os.version"];
  if (config["os.features"]?.length) platform["os.features"] = [...config["os.features"]];
  if (config.variant) platform.variant = config.variant;
  return platform;
}

/**
 * Why an image manifest is no image an index can list by platform (an artifact: an `artifactType`, or a config
 * that is not an image config), or undefined when it is an image.
 */
export function notAnImage(manifest: Pick<ImageManifest, "artifactType" | "config">): string | undefined {
  if (manifest.artifactType) return `an artifact (artifactType ${manifest.artifactType})`;
  if (!IMAGE_CONFIG_TYPES.has(manifest.config.mediaType))
    return `an artifact (config ${manifest.config.mediaType})`;
  return undefined;
}

/**
 * The index entry of an image manifest (`mediaType`, `digest`, `size` of the manifest itself) with its config's
 * platform. `what` names the image in the message of a config that names none.
 * @throws UsageError when the config names no OS or architecture.
 */
export function imageEntry(
  manifest: { mediaType: string; digest: string; size: number },
  config: ImageConfig,
  what: string,
): Descriptor {
  const platform = platformOfConfig(config);
  if (!platform) {
    throw new UsageError(
      `${what}: its config names no platform (os ${quoteText(config.os ?? "")}, architecture ${quoteText(config.architecture ?? "")}), so no index can list it by platform`,
    );
  }
  return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, platform };
}

/**
 * Which kind of index lists `entries` when the caller does not say: a Docker manifest list when every entry is a
 * Docker schema 2 image manifest and nothing OCI-only is wanted (`annotations`), as `docker manifest create` makes;
 * an OCI image index otherwise.
 */
export function indexFlavorFor(entries: readonly Descriptor[], ociOnly: boolean): "oci" | "docker" {
  return !ociOnly && entries.length > 0 && entries.every((d) => d.mediaType === DOCKER_MANIFEST)
    ? "docker"
    : "oci";
}
