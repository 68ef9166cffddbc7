import { findPathLengthProblem, findPathProblem } from "./grammar.js";

/**
 * Whether `path` is a repository path as distribution's grammar has it, without a host (`library/alpine`, `a/b-c/d`):
 * lowercase components joined by `.`, `_`, `__` or dashes, separated by `/`, at most 255 characters. For names a
 * registry lists (its catalog), which are paths: a name that fails this names nothing anyone could pull.
 */
export function isValidRepositoryPath(path: string): boolean {
  return findPathProblem(path) === undefined && findPathLengthProblem(path) === undefined;
}
