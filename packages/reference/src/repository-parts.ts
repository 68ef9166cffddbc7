/**
 * Internal: the normalisation both reference classes apply to the parts they are built from, so that a value built
 * by hand prints the same string a parsed one does and `toString()` always round-trips.
 */
import { describeProblem, InvalidReferenceError, quoteText, shiftProblem } from "@regatta/errors";
import { DEFAULT_REGISTRY, OFFICIAL_NAMESPACE } from "./constants.js";
import { findHostProblem, findPathLengthProblem, findPathProblem } from "./grammar.js";
import { foldDockerHub } from "./normalize-registry.js";

/** Registry and repository of an image, before normalisation. */
export interface RepositoryParts {
  /** A registry host; Docker Hub's aliases become `docker.io`. */
  registry: string;
  /** The repository path; on Docker Hub a single component gets `library/` in front. */
  repository: string;
}

/** Docker Hub keeps official images under `library/`; only Docker Hub does, so other registries are left alone. */
export function withOfficialNamespace(registry: string, path: string): string {
  return registry === DEFAULT_REGISTRY && !path.includes("/") ? `${OFFICIAL_NAMESPACE}/${path}` : path;
}

/**
 * Whether the first `/`-separated component names a registry. docker's rule (splitDockerDomain): `localhost`, or
 * anything with a `.` or a `:` (a domain, an IP, a port), or anything with uppercase, since a repository path
 * cannot have uppercase and so `Foo/bar` can only be a host. Everything else is a Docker Hub namespace.
 */
export function isRegistryComponent(component: string): boolean {
  return component === "localhost" || /[.:]/.test(component) || component !== component.toLowerCase();
}

/** `docker.io/library/x` → `x`, `docker.io/u/x` → `u/x`, anything else unchanged: docker's familiarizeName,
 * except that a name whose first component would read as a registry keeps `docker.io/`. */
export function familiarName(registry: string, repository: string): string {
  if (registry !== DEFAULT_REGISTRY) return `${registry}/${repository}`;
  // `docker.io/a.b/c` or `docker.io/localhost/c` without its registry would read as the registry `a.b` or
  // `localhost`: a different place. Keep the registry then (found by fuzzing; docker's FamiliarString drops it).
  const first = repository.split("/")[0]!;
  if (repository.includes("/") && isRegistryComponent(first)) return `${registry}/${repository}`;
  const prefix = `${OFFICIAL_NAMESPACE}/`;
  // Only `library/<one component>` is shortened: `library/a/b` would re-parse as `docker.io/a/b`.
  if (repository.startsWith(prefix) && !repository.slice(prefix.length).includes("/")) {
    return repository.slice(prefix.length);
  }
  return repository;
}

/**
 * Normalises and validates registry and repository.
 * @throws InvalidReferenceError naming the part that is wrong.
 */
export function normalizeRepositoryParts(parts: RepositoryParts): RepositoryParts {
  const hostProblem = findHostProblem(parts.registry);
  if (hostProblem) {
    throw new InvalidReferenceError(
      `invalid registry ${quoteText(parts.registry)}: ${describeProblem(hostProblem)}`,
    );
  }
  const registry = foldDockerHub(parts.registry);
  const repository = withOfficialNamespace(registry, parts.repository);
  const added = repository.length - parts.repository.length;
  const lengthProblem = findPathLengthProblem(repository);
  const pathProblem =
    findPathProblem(parts.repository) ?? (lengthProblem && shiftProblem(lengthProblem, -added));
  if (pathProblem) {
    throw new InvalidReferenceError(
      `invalid repository ${quoteText(parts.repository)}: ${describeProblem(pathProblem)}`,
    );
  }
  return { registry, repository };
}
