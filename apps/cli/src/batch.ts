/**
 * Commands that run one step per reference (`digest REF...`, `copy --from-file`): a failed step is reported on
 * stderr as it happens and the others still run; the command then fails once, at the end, with a summary. Its exit
 * status is the failures' own when they agree (all not found: 3), else 1.
 */

import type { CredentialSide } from "./access-hint.js";
import { describeError } from "./cli-context.js";
import { writeStderr } from "./output.js";

/** One failed step: what it was (a reference, `refs.txt:3`) and why. */
export interface BatchFailure {
  what: string;
  error: unknown;
}

/** Reports a failed step on stderr, in the one-line shape of every error (`regatta: WHAT: why`). */
export function reportFailure(
  failure: BatchFailure,
  verbose: boolean,
  sides: readonly CredentialSide[],
): void {
  writeStderr(`regatta: ${failure.what}: ${describeError(failure.error, verbose, sides)}\n`);
}

/**
 * The error a batch ends with: "2 of 5 copies failed: a, b". Of the failures' class when they all share one (so
 * the exit status is theirs), else a plain Error (exit 1).
 */
export function batchError(failures: readonly BatchFailure[], total: number, noun: string): Error {
  const names = failures.map((f) => f.what);
  const shown = names.length > 5 ? [...names.slice(0, 5), `${names.length - 5} more`] : names;
  const message = `${failures.length} of ${total} ${noun} failed: ${shown.join(", ")}`;
  const kinds = new Set(failures.map((f) => (f.error instanceof Error ? f.error.constructor : Error)));
  const [only] = kinds;
  const Kind = kinds.size === 1 && only ? (only as new (message: string) => Error) : Error;
  return new Kind(message);
}
