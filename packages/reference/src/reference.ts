import { parseDigest } from "@regatta/manifest";
import { apiHostOf, DEFAULT_TAG } from "./constants.js";
import { familiarName, normalizeRepositoryParts, type RepositoryParts } from "./repository-parts.js";
import { RepositoryReference } from "./repository-reference.js";
import { validateTag } from "./validate-tag.js";

/** The parts of an image reference; tag and digest are both optional and may both be present. */
export interface ReferenceParts extends RepositoryParts {
  tag?: string;
  /** `sha256:<64 hex>` or `sha512:<128 hex>`. */
  digest?: string;
}

/**
 * An image reference: registry, repository, and a tag, a digest, or both. Immutable; `toString()` gives the full
 * form, which {@link parseReference} turns back into an equal value.
 *
 * Built by {@link parseReference}; building one from parts applies the same normalisation (Docker Hub aliases →
 * `docker.io`, `library/` for single-component Docker Hub names) and validation.
 */
export class Reference {
  /** The registry name: `docker.io`, `ghcr.io`, `localhost:5000`. */
  readonly registry: string;
  /** The repository path, `library/alpine` for Docker Hub's official images. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<hex>`: when present it, not the tag, decides what is fetched. */
  readonly digest?: string;
  /** Where API requests go: `registry-1.docker.io` for Docker Hub, else the registry. */
  readonly apiHost: string;

  /** @throws InvalidReferenceError or InvalidDigestError naming the part that is wrong. */
  constructor(parts: ReferenceParts) {
    const { registry, repository } = normalizeRepositoryParts(parts);
    this.registry = registry;
    this.repository = repository;
    if (parts.tag !== undefined) this.tag = validateTag(parts.tag);
    if (parts.digest !== undefined) {
      parseDigest(parts.digest);
      this.digest = parts.digest;
    }
    this.apiHost = apiHostOf(registry);
    Object.freeze(this);
  }

  /** Registry and repository: `docker.io/library/alpine`. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /**
   * What goes in `/v2/<repository>/manifests/<identifier>`: the digest if there is one (a tag next to a digest is
   * only a label, as in docker), else the tag, else `latest`.
   */
  get identifier(): string {
    return this.digest ?? this.tag ?? DEFAULT_TAG;
  }

  /** The full form, `docker.io/library/alpine:3.20@sha256:…`, keeping both tag and digest when both are set. */
  toString(): string {
    return `${this.name}${this.tag !== undefined ? `:${this.tag}` : ""}${this.digest ? `@${this.digest}` : ""}`;
  }

  /** The same string as {@link Reference.toString}, so references serialise as strings. */
  toJSON(): string {
    return this.toString();
  }

  /** The short form docker prints (FamiliarString): `alpine:3.20`, `user/app`, `ghcr.io/a/b:1`. Tag and digest kept. */
  familiar(): string {
    const name = familiarName(this.registry, this.repository);
    return `${name}${this.tag !== undefined ? `:${this.tag}` : ""}${this.digest ? `@${this.digest}` : ""}`;
  }

  /** A copy with this tag; the digest, if any, is kept (docker's WithTag does the same). */
  withTag(tag: string): Reference {
    return new Reference({ ...this.#parts(), tag });
  }

  /** A copy with this digest; the tag, if any, is kept. */
  withDigest(digest: string): Reference {
    return new Reference({ ...this.#parts(), digest });
  }

  /** A copy without the tag. */
  withoutTag(): Reference {
    const { tag: _tag, ...parts } = this.#parts();
    return new Reference(parts);
  }

  /** A copy without the digest. */
  withoutDigest(): Reference {
    const { digest: _digest, ...parts } = this.#parts();
    return new Reference(parts);
  }

  /** Registry and repository only, for calls that address a repository (tags, catalog, blob uploads). */
  repositoryOnly(): RepositoryReference {
    return new RepositoryReference({ registry: this.registry, repository: this.repository });
  }

  /** Same registry, repository, tag and digest. */
  equals(other: Reference): boolean {
    return (
      other instanceof Reference &&
      other.registry === this.registry &&
      other.repository === this.repository &&
      other.tag === this.tag &&
      other.digest === this.digest
    );
  }

  #parts(): ReferenceParts {
    return {
      registry: this.registry,
      repository: this.repository,
      ...(this.tag !== undefined ? { tag: this.tag } : {}),
      ...(this.digest !== undefined ? { digest: this.digest } : {}),
    };
  }
}
