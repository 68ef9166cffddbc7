/** The registry a reference without a host names: Docker Hub, in the short form docker prints. */
export const DEFAULT_REGISTRY = "docker.io";
/** Docker Hub's API host: `docker.io` is a name, not a server that speaks the v2 API. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
/** Hosts that are aliases of Docker Hub and normalise to {@link DEFAULT_REGISTRY}. */
export const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
]);
/** The namespace of Docker Hub's official images: `alpine` means `library/alpine`. */
export const OFFICIAL_NAMESPACE = "library";
/** The tag a reference without tag or digest resolves to. */
export const DEFAULT_TAG = "latest";
/** Docker Hub's key in ~/.docker/config.json, kept for compatibility with the v1 index. */
export const DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/";

/** The host to send API requests to for a registry name (`docker.io` → `registry-1.docker.io`). */
export function apiHostOf(registry: string): string {
  return DOCKER_HUB_ALIASES.has(registry) ? DOCKER_HUB_API_HOST : registry;
}

/** Longest repository path distribution accepts (`RepositoryNameTotalLengthMax`), counted after `library/` is added. */
export const REPOSITORY_NAME_MAX_LENGTH = 255;
/** Longest tag the distribution grammar accepts: `[\w][\w.-]{0,127}`. */
export const TAG_MAX_LENGTH = 128;
