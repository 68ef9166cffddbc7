import { type REPLEval, Recoverable } from "node:repl";
import { Script } from "node:vm";
import { processTopLevelAwait } from "node-repl-await";
import type { ReplSession } from "./session.js";

/** What the evaluator does with an error: the REPL prints it as one line instead of Node's stack dump. */
export type ErrorSink = (error: unknown) => void;

/**
 * The REPL's eval. It runs the line in the REPL's context with top-level `await` (node-repl-await's transform of
 * Node's own), and awaits a bare promise too, so `reg.tags("alpine")` prints the tags. The wait goes through the
 * session, so Ctrl-C aborts it. Errors are handed to `onError` and the line evaluates to nothing.
 */
export function createEvaluator(session: ReplSession, onError: ErrorSink): REPLEval {
  return (code, context, filename, callback) => {
    let result: unknown;
    try {
      result = compile(code, filename).runInContext(context, { displayErrors: false });
    } catch (error) {
      if (isRecoverable(error, code)) return callback(new Recoverable(error as Error), undefined);
      onError(error);
      return callback(null, undefined);
    }
    if (!isThenable(result)) return callback(null, result);
    session.wait(result).then(
      (value) => callback(null, value),
      async (error: unknown) => {
        // Ctrl-C during a transfer: its bars go and its own error is read (a pull's note on the partial download)
        // before anything is printed.
        const ended = await session.settleTransfers();
        onError(withNote(error, ended));
        callback(null, undefined);
      },
    );
  };
}

/**
 * The error to print: the one the wait ended with, or, when Ctrl-C ended it, the interrupt with what a transfer added
 * to it on its way out (`pull`'s "the partial download is kept in …: run the same pull again to resume it").
 */
function withNote(error: unknown, ended: unknown[]): unknown {
  if (!(error instanceof Error)) return error;
  for (const other of ended) {
    if (other === error || !(other instanceof Error)) continue;
    const note = /\((the partial download [^)]*)\)$/.exec(other.message)?.[1];
    if (note && !error.message.includes(note)) error.message = `${error.message} (${note})`;
  }
  return error;
}

function compile(code: string, filename: string): Script {
  // `{ a: 1 }` typed alone is an object, not a block (Node's REPL reads it the same way).
  if (/^\s*\{/.test(code) && /\}\s*$/.test(code)) {
    try {
      return new Script(`(${code.trim()})\n`, { filename });
    } catch {
      // a block after all
    }
  }
  const awaited = /\bawait\b/.test(code) ? processTopLevelAwait(code) : undefined;
  if (awaited === null) throwIfUnfinished(code, filename);
  return new Script(awaited || code, { filename });
}

/**
 * node-repl-await gives up (null) on code it cannot parse, an unfinished statement too (`for (const t of ts) {` then
 * `const d = await reg.digest(t)`). Compiled as it is, such code fails with "await is only valid in async functions",
 * which tells nothing about whether more lines would complete it, so the REPL printed an error instead of a `...`
 * prompt (QA repl5, finding 2). Compiled as the body of an async function, where `await` is valid, it fails as an
 * unfinished statement does ("Unexpected end of input"): that error is thrown for {@link isRecoverable} to read, as
 * Node's REPL reads its own parse of the wrapped code (lib/repl.js, isRecoverableError). Anything else is left to
 * the plain compile below.
 */
function throwIfUnfinished(code: string, filename: string): void {
  try {
    new Script(`async function regattaAwaitCheck() {\n${code}\n}`, { filename });
  } catch (error) {
    if (isRecoverable(error, code)) throw error;
  }
}

/** An unfinished statement: the REPL asks for the next line (`...`) instead of failing. */
function isRecoverable(error: unknown, code: string): boolean {
  if (!(error instanceof SyntaxError) || code.trim() === "") return false;
  return /^(Unexpected end of input|Unterminated template literal|missing \) after argument list)/.test(
    error.message,
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
