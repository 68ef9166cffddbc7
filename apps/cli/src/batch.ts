/**
 * Commands that run one step per reference (`digest REF...`, `copy --from-file`): a failed step is reported on
 * stderr as it happens and the others still run; the command then fails once, at the end, with a summary. Its exit
 * status is the failures' own when they agree (all not found: 3), else 1.
 */

import { RegattaError } from "@regatta/errors";
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
  const Kind = sharedKind(failures.map((f) => f.error)) ?? Error;
  return new Kind(message);
}

/**
 * An error saying `message` for a run whose parts failed with `errors`: of their class when they all share a
 * RegattaError class (so the exit status is theirs: 3 when every one was not found), else a RegattaError (exit 1);
 * `code` either way.
 */
export function partsFailedError(message: string, errors: readonly unknown[], code: string): RegattaError {
  const Kind = (sharedKind(errors) as typeof RegattaError | undefined) ?? RegattaError;
  // Asked of an instance: the errors' brand (Symbol.for) holds across two copies of @regatta/errors, a prototype
  // chain does not.
  const error = new Kind(message, { code });
  return error instanceof RegattaError ? error : new RegattaError(message, { code });
}

/** The class every one of `errors` is of (an Error's constructor), or undefined when they differ (or none). */
function sharedKind(errors: readonly unknown[]): (new (message: string) => Error) | undefined {
  const kinds = new Set(errors.map((error) => (error instanceof Error ? error.constructor : Error)));
  const [only] = kinds;
  return kinds.size === 1 && only ? (only as new (message: string) => Error) : undefined;
}
