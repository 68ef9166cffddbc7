/**
 * Whether a stream can take control sequences (cursor moves, a hidden cursor, a line rewritten in place): a terminal
 * whose `TERM` is not `dumb`. The one home of that decision for the CLI and the REPL: progress bars, in-place
 * counters and the REPL's colours ask it. A pipe or a file is no terminal; a dumb terminal (emacs's shell, some CI
 * logs) shows every escape as junk, so it gets what a pipe gets. `NO_COLOR` is another matter: it removes colour
 * only (picocolors reads it), never the decision here.
 */
export function takesControls(stream: object | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean((stream as { isTTY?: boolean } | undefined)?.isTTY) && env.TERM !== "dumb";
}
