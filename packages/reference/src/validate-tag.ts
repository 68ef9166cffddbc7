import { describeProblem, InvalidReferenceError, quoteText } from "@regatta/errors";
import { findTagProblem } from "./grammar.js";

/** Whether `tag` is a valid tag: `[\w][\w.-]{0,127}` (letters, digits, `_`, `.`, `-`; not starting with `.` or `-`). */
export function isValidTag(tag: string): boolean {
  return findTagProblem(tag) === undefined;
}

/**
 * Returns `tag` if it is valid.
 * @throws InvalidReferenceError naming the bad character and its column, or the length over 128.
 */
export function validateTag(tag: string): string {
  const problem = findTagProblem(tag);
  if (problem) throw new InvalidReferenceError(`invalid tag ${quoteText(tag)}: ${describeProblem(problem)}`);
  return tag;
}
