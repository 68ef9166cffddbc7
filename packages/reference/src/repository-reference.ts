import { apiHostOf } from "./constants.js";
import { Reference } from "./reference.js";
import { familiarName, normalizeRepositoryParts, type RepositoryParts } from "./repository-parts.js";

/**
 * A repository without tag or digest (`docker.io/library/alpine`): what tag listing, blob uploads and token scopes
 * address. Immutable; built by {@link parseRepository} or {@link Reference.repositoryOnly}.
 */
export class RepositoryReference {
  /** The registry name: `docker.io`, `ghcr.io`, `localhost:5000`. */
  readonly registry: string;
  /** The repository path, `library/alpine` for Docker Hub's official images. */
  readonly repository: string;
  /** Where API requests go: `registry-1.docker.io` for Docker Hub, else the registry. */
  readonly apiHost: string;

  /** @throws InvalidReferenceError naming the part that is wrong. */
  constructor(parts: RepositoryParts) {
    const { registry, repository } = normalizeRepositoryParts(parts);
    this.registry = registry;
    this.repository = repository;
    this.apiHost = apiHostOf(registry);
    Object.freeze(this);
  }

  /** Registry and repository: `docker.io/library/alpine`. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The full form, the same as {@link RepositoryReference.name}. */
  toString(): string {
    return this.name;
  }

  /** The same string as {@link RepositoryReference.toString}. */
  toJSON(): string {
    return this.name;
  }

  /** The short form docker prints: `alpine`, `user/app`, `ghcr.io/a/b`. */
  familiar(): string {
    return familiarName(this.registry, this.repository);
  }

  /** A reference to this tag of the repository. */
  withTag(tag: string): Reference {
    return new Reference({ registry: this.registry, repository: this.repository, tag });
  }

  /** A reference to this digest in the repository. */
  withDigest(digest: string): Reference {
    return new Reference({ registry: this.registry, repository: this.repository, digest });
  }

  /** Same registry and repository. */
  equals(other: RepositoryReference): boolean {
    return (
      other instanceof RepositoryReference &&
      other.registry === this.registry &&
      other.repository === this.repository
    );
  }
}
