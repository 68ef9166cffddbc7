/** Which family of media types a generated image uses. */
export type MediaTypeFamily = "docker" | "oci";

/** Media types of one family, as written into generated manifests. */
export interface MediaTypeSet {
  manifest: string;
  index: string;
  config: string;
  layer: string;
}

/**
 * Docker image manifest v2 schema 2 and OCI image-spec v1 media types
 * (https://github.com/opencontainers/image-spec/blob/main/media-types.md).
 */
export const MEDIA_TYPES: Readonly<Record<MediaTypeFamily, MediaTypeSet>> = Object.freeze({
  docker: {
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    index: "application/vnd.docker.distribution.manifest.list.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  },
  oci: {
    manifest: "application/vnd.oci.image.manifest.v1+json",
    index: "application/vnd.oci.image.index.v1+json",
    config: "application/vnd.oci.image.config.v1+json",
    layer: "application/vnd.oci.image.layer.v1.tar+gzip",
  },
});

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** An image platform (`os/architecture[/variant]`). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parses `linux/arm64/v8` into a {@link Platform}. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split("/");
  if (!os || !architecture || extra !== undefined || variant === "") {
    throw new Error(`invalid platform ${JSON.stringify(text)}: expected os/architecture[/variant]`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Formats a {@link Platform} as `os/architecture[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}
