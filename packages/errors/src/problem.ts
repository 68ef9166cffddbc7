/**
 * A grammar check answers with a Problem instead of throwing, so that the caller can shift the offset into the string
 * the user actually typed and name that string in the error.
 *
 * This lives in @regatta/errors, not beside the grammars, because two packages check grammars and neither may import
 * the other's helpers the wrong way: @regatta/reference (hosts, paths, tags) imports @regatta/manifest for the digest
 * grammar, so manifest cannot import reference. Both already depend on errors, the bottom layer, and the message
 * format (`reason ("part" at column N)`) is part of what their errors say.
 */

import { quoteText } from "./path-text.js";

/** What is wrong, which characters, and where they start (0-based, relative to the string that was checked). */
export interface Problem {
  reason: string;
  /** The offending characters; "" when something is missing at `offset`, absent when there is no place to show. */
  part?: string;
  offset: number;
}

/** Moves a problem found in a substring to the coordinates of the whole input. */
export function shiftProblem(problem: Problem, by: number): Problem {
  return { ...problem, offset: problem.offset + by };
}

/** `reason ("part" at column N)`: columns are 1-based like an editor's, parts are JSON-quoted so blanks show. */
export function describeProblem(problem: Problem): string {
  if (problem.part === undefined) return problem.reason;
  const where = `at column ${problem.offset + 1}`;
  return `${problem.reason} (${problem.part === "" ? where : `${quoteText(shortPart(problem.part))} ${where}`})`;
}

/** Longest part quoted whole: the column says where it starts, so a 100 000-character tag needs no full echo. */
const SHOWN_PART = 80;

function shortPart(part: string): string {
  return part.length <= SHOWN_PART ? part : `${part.slice(0, SHOWN_PART - 1)}…`;
}

/** The whole character at a UTF-16 index, so that an emoji is reported as itself and not as half a surrogate pair. */
export function charAt(text: string, index: number): string {
  return String.fromCodePoint(text.codePointAt(index) ?? 0xfffd);
}
