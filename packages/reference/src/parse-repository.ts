import { quoteText } from "@regatta/errors";
import { isRegistryLookalike } from "./registry-lookalike.js";
import { RepositoryReference } from "./repository-reference.js";
import { referenceError, resolveDefaultRegistry, splitReference } from "./split-reference.js";

/** How {@link parseRepository} reads its input. */
export interface ParseRepositoryOptions {
  /** The registry for names without one; default `docker.io`. */
  defaultRegistry?: string;
  /**
   * What the repository is for, named when a tag or digest is refused: `{ usage: "tags" }` gives
   * "tags does not take a tag". Default "a repository".
   */
  usage?: string;
}

/**
 * Parses a repository name (`alpine` → `docker.io/library/alpine`, `ghcr.io/a/b`, `localhost:5000/x`) with the same
 * rules as {@link parseReference}, for calls that address a whole repository (tag listing, blob uploads).
 * @throws InvalidReferenceError for anything parseReference refuses, and for a tag or a digest
 *   (`invalid repository "alpine:3": tags does not take a tag (":3" at column 7)`).
 */
export function parseRepository(input: string, options: ParseRepositoryOptions = {}): RepositoryReference {
  const split = splitReference(input, resolveDefaultRegistry(options.defaultRegistry), "repository");
  const usage = options.usage ?? "a repository";
  if (split.tag !== undefined) {
    const start = split.tagOffset!;
    const end = split.digestOffset ?? input.length;
    // `localhost:5000` alone is docker's name `localhost` with tag `5000`; most likely a registry was meant.
    const hint =
      !input.includes("/") && isRegistryLookalike(`${input.slice(0, start)}:${split.tag}`)
        ? `; to name a repository on that registry write ${quoteText(`${input}/<name>`)}`
        : "";
    throw referenceError("repository", input, {
      reason: `${usage} does not take a tag${hint}`,
      part: input.slice(start, end),
      offset: start,
    });
  }
  if (split.digest !== undefined) {
    throw referenceError("repository", input, {
      reason: `${usage} does not take a digest`,
      part: input.slice(split.digestOffset!),
      offset: split.digestOffset!,
    });
  }
  return new RepositoryReference({ registry: split.registry, repository: split.repository });
}
