import { DEFAULT_REGISTRY, DOCKER_HUB_ALIASES } from "./constants.js";

/** A URL scheme at the start of a key (`https://`, `oci+https://`), RFC 3986 §3.1. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The name a registry is known by, for comparing and keying: from a registry name (`Registry.Example.com:5000`) or a
 * credential-file key in any form `docker login` has written (`https://index.docker.io/v1/`, `https://host/`,
 * `http://host:5000/v2/`, `host/v2/`), as docker's `ConvertToHostname` reads them. The scheme and any path are
 * dropped, the host is lower-cased (host names are case-insensitive, RFC 3986 §3.2.2) and Docker Hub's aliases
 * (`index.docker.io`, `registry-1.docker.io`) become `docker.io`. It validates nothing: an unreadable key simply
 * matches no registry. To check an address a user typed, use {@link parseRegistry}.
 */
export function normalizeRegistry(nameOrKey: string): string {
  let host = nameOrKey.trim();
  const scheme = SCHEME.exec(host);
  if (scheme) host = host.slice(scheme[0].length);
  const slash = host.indexOf("/");
  if (slash !== -1) host = host.slice(0, slash);
  return foldDockerHub(host.toLowerCase());
}

/**
 * Docker Hub's aliases, in any case, as `docker.io`; any other host exactly as written. References keep the host as
 * the user wrote it, so `toString()` gives back their spelling; comparisons go through {@link normalizeRegistry}.
 */
export function foldDockerHub(host: string): string {
  return DOCKER_HUB_ALIASES.has(host.toLowerCase()) ? DEFAULT_REGISTRY : host;
}
