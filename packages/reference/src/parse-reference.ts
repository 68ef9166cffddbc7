import { DEFAULT_TAG } from "./constants.js";
import { Reference } from "./reference.js";
import { resolveDefaultRegistry, splitReference } from "./split-reference.js";

/** How {@link parseReference} fills in what the input leaves out. */
export interface ParseReferenceOptions {
  /**
   * The registry for names without one (`alpine`, `user/app`); default `docker.io`. `library/` is only added when this
   * is Docker Hub, as go-containerregistry's `WithDefaultRegistry` does.
   */
  defaultRegistry?: string;
  /** Add the tag `latest` when the input has neither tag nor digest, as docker does; default true. */
  defaultTag?: boolean;
}

/**
 * Parses an image reference the way docker does (distribution/reference ParseNormalizedNamed):
 * `alpine` → `docker.io/library/alpine:latest`, `ghcr.io/a/b:1`, `localhost:5000/a@sha256:…`,
 * `name:tag@sha256:…` (both kept). The first path component is a registry only if it is `localhost`, contains `.` or
 * `:`, or has uppercase; `index.docker.io` and `registry-1.docker.io` become `docker.io`.
 * @throws InvalidReferenceError naming the input, the rule broken and the offending part with its column
 *   (`invalid reference "Alpine:1": repository name must be lowercase ("A" at column 1)`). A bad digest is an
 *   InvalidReferenceError whose `cause` is the InvalidDigestError.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  const split = splitReference(input, resolveDefaultRegistry(options.defaultRegistry));
  const tag =
    split.tag ?? (split.digest === undefined && options.defaultTag !== false ? DEFAULT_TAG : undefined);
  return new Reference({
    registry: split.registry,
    repository: split.repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(split.digest !== undefined ? { digest: split.digest } : {}),
  });
}
