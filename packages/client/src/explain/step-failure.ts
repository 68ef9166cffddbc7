/**
 * When a step of `explainAuth` failed, rather than found something: every step reports its own outcome and the
 * report goes on, so one unreachable token service or malformed challenge does not hide what the other steps know.
 */
import { RegattaError, RegistryUnreachableError, TimeoutError } from "@regatta/errors";
import type { StepFailure } from "./auth-report.js";

/**
 * Whether `error` is an answer about access — what the report explains (401 credentials refused or missing, 403 not
 * allowed, and for a probe 404 not found) — rather than a failure to carry the step out.
 */
export function isAccessAnswer(
  error: unknown,
  statuses: readonly number[],
): error is RegattaError & { status: number } {
  return error instanceof RegattaError && error.status !== undefined && statuses.includes(error.status);
}

/** A failed step's facts: the typed error's one line (message and hint, scrubbed by construction), code, status. */
export function stepFailure(error: unknown): StepFailure {
  if (!(error instanceof RegattaError)) return { message: oneLine(error), code: "UNKNOWN" };
  return {
    message: oneLine(error),
    code: error.code,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error instanceof RegistryUnreachableError || error instanceof TimeoutError
      ? { unreachable: true }
      : {}),
  };
}

/** An error as one line: its message, which already ends with its hint and is scrubbed by construction. */
export function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
}

/** A failure as the report says it: `failed: <message> [CODE, status N]`. */
export function failureLine(failure: StepFailure): string {
  const status = failure.status !== undefined ? `, status ${failure.status}` : "";
  return `failed: ${failure.message} [${failure.code}${status}]`;
}
