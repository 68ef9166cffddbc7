/**
 * Registry-name normalisation for credential lookups. The Docker Hub names come from @regatta/reference, so that
 * references and credential keys agree on what "Docker Hub" is.
 */
import { DEFAULT_REGISTRY, DOCKER_HUB_ALIASES, DOCKER_HUB_CONFIG_KEY } from "@regatta/reference";

export { DEFAULT_REGISTRY, DOCKER_HUB_ALIASES, DOCKER_HUB_CONFIG_KEY };

/**
 * Normalises a registry name or a credential-file key to the host a reference would name: scheme and path dropped,
 * lower-cased, Docker Hub aliases folded to `docker.io`. Handles every form `docker login` has ever written
 * (`https://index.docker.io/v1/`, `https://host/`, `http://host`, `host/v2/`), as docker's `ConvertToHostname` does.
 */
export function normalizeRegistry(keyOrHost: string): string {
  let host = keyOrHost.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host);
  if (scheme) host = host.slice(scheme[0].length);
  const slash = host.indexOf("/");
  if (slash !== -1) host = host.slice(0, slash);
  host = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DEFAULT_REGISTRY : host;
}

/**
 * The server URL docker uses for a registry when talking to a credential helper: Docker Hub's legacy v1 URL,
 * otherwise the bare host (what `docker login host` stores).
 */
export function helperServerUrl(registry: string): string {
  const host = normalizeRegistry(registry);
  return host === DEFAULT_REGISTRY ? DOCKER_HUB_CONFIG_KEY : host;
}

/** Whether a registry host (with or without port) is a loopback address, where plain HTTP is acceptable. */
export function isLoopbackHost(hostWithPort: string): boolean {
  let host = hostWithPort.toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    host = end === -1 ? host : host.slice(1, end);
  } else if (host.split(":").length === 2) {
    host = host.slice(0, host.indexOf(":"));
  }
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1") return true;
  return /^127(\.\d{1,3}){3}$/.test(host);
}
