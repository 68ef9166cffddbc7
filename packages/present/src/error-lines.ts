import type { RegattaError } from "@regatta/errors";

/** Longest line shown: a 100 000-character flag value or registry message is cut in the middle, not echoed whole. */
const LONGEST_LINE = 2000;

/**
 * A registry's words on one line: a newline in a message must not forge a line of the app's own. Longer than
 * {@link LONGEST_LINE}, the middle is left out and counted.
 */
export function oneLine(text: string): string {
  const line = text.replace(/\r?\n/g, "\\n");
  if (line.length <= LONGEST_LINE) return line;
  const keep = LONGEST_LINE / 2;
  return `${line.slice(0, keep)}…(${line.length - 2 * keep} characters left out)…${line.slice(-keep)}`;
}

/**
 * The verbose details of a registry error, one indented line each: its code and status (when `withCode`), the
 * redacted request, and every entry of the registry's `errors[]`
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes).
 */
export function registryErrorLines(error: RegattaError, withCode: boolean): string[] {
  const lines: string[] = [];
  if (withCode) {
    lines.push(
      `  code: ${oneLine(error.code)}${error.status !== undefined ? `, status: ${error.status}` : ""}`,
    );
  }
  if (error.request) lines.push(`  request: ${error.request.method} ${oneLine(error.request.url)}`);
  for (const e of error.errors) {
    lines.push(`  registry error: ${oneLine(e.code)}${e.message ? `: ${oneLine(e.message)}` : ""}`);
  }
  return lines;
}

/** The chain of `cause`s under an error, eight deep at most (a cycle must not hang the error path). */
export function causeLines(error: Error): string[] {
  const lines: string[] = [];
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; cause instanceof Error && depth < 8; depth++) {
    lines.push(`  caused by: ${oneLine(cause.message)}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return lines;
}
