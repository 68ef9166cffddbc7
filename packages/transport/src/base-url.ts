/**
 * Which scheme and host a registry name is spoken to at. Like docker: https everywhere, except loopback and the
 * registries the user listed as insecure, which are spoken to over plain http.
 */
import { UsageError } from "@regatta/errors";
import { apiHostOf, isLoopbackRegistry } from "@regatta/reference";

/** Splits `host[:port]` (IPv6 in brackets) into its hostname, without brackets, and its port. */
export function splitHostPort(host: string): { hostname: string; port?: string } {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    const port = host.slice(end + 1).replace(/^:/, "");
    return port ? { hostname: host.slice(1, end), port } : { hostname: host.slice(1, end) };
  }
  const colon = host.lastIndexOf(":");
  if (colon === -1 || host.indexOf(":") !== colon) return { hostname: host };
  return { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

/** Options that decide the scheme. */
export interface SchemeOptions {
  scheme?: "https" | "http" | "auto";
  insecureRegistries?: readonly string[];
}

/**
 * The `insecureRegistries` entry for every registry the caller names (a CLI's `--insecure`, crane's and skopeo's
 * meaning: every registry of the command), never another host a server names (a token realm's, a redirect's).
 */
export const EVERY_REGISTRY = "*";

/** An insecure-registries entry as `host[:port]`: lower case, without a scheme or trailing slashes. */
export function insecureEntryHost(entry: string): string {
  return entry
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/\/+$/, "");
}

/**
 * True when `registry` may be spoken to over plain http under `auto`: loopback, or listed in `insecureRegistries` by
 * the name it is reached at: `host:port` for that port, a bare host for the host without a port (https's 443). As
 * docker's `insecure-registries`: a bare host once matched every port, and moby reverted that
 * (https://github.com/moby/moby/pull/9754); containers/image calls its own prefix match of `host` against
 * `host:5000` unintended. Another port of a listed host may be another service, not to be sent credentials in clear.
 */
// Stryker disable next-line ArrayDeclaration: the one-entry list Stryker puts here holds spaces, which no host has.
export function isInsecure(registry: string, insecureRegistries: readonly string[] = []): boolean {
  const host = apiHostOf(registry);
  if (isLoopbackRegistry(host)) return true;
  // `reg.lan:443` is the registry `reg.lan` names, on either side.
  const named = (h: string) => h.toLowerCase().replace(/:443$/, "");
  return insecureRegistries.some((entry) => {
    const e = named(insecureEntryHost(entry));
    // Stryker disable next-line ConditionalExpression: `host` is the registry itself, or Docker Hub's API host (no port): the other comparison decides.
    return e === named(registry) || e === named(host);
  });
}

/**
 * The base URL (origin, no trailing slash) of a registry's API: `https://registry-1.docker.io` for `docker.io`,
 * `http://127.0.0.1:5000` for a loopback registry under `auto`. A registry listed in `insecureRegistries` starts at
 * https too, as docker's does (https unverified, then plain http when no TLS answers: transport.ts): for a name
 * without a port, plain http is another port (80) and often another service than the registry on 443.
 */
export function registryBaseUrl(registry: string, options: SchemeOptions = {}): string {
  if (!registry || /[/\s?#@]/.test(registry)) {
    throw new UsageError(`invalid registry host "${registry}": expected host[:port]`);
  }
  const scheme = options.scheme ?? "auto";
  const http = scheme === "http" || (scheme === "auto" && isLoopbackRegistry(apiHostOf(registry)));
  return `${http ? "http" : "https"}://${apiHostOf(registry)}`;
}
