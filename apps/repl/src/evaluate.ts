import { type REPLEval, Recoverable } from "node:repl";
import { constants, Script, type ScriptOptions } from "node:vm";
import type { ReplSession } from "./session.js";
import { wrapTopLevelAwait } from "./top-level-await.js";

/** What the evaluator does with an error: the REPL prints it as one line instead of Node's stack dump. */
export type ErrorSink = (error: unknown) => void;

/**
 * The REPL's eval. It runs the line in the REPL's context with top-level `await` (top-level-await.ts, the approach
 * of Node's own REPL), and awaits a bare promise too, so `reg.tags("alpine")` prints the tags. The wait goes through
 * the session, so Ctrl-C aborts it. Errors are handed to `onError` and the line evaluates to nothing.
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

/**
 * How every line is compiled: `import("node:path")` in a line loads as it does in Node's own REPL, through the main
 * context's loader (a Script without it fails: "A dynamic import callback was not specified"). The constant is Node
 * 20.12's; an older Node compiles without it.
 */
function scriptOptions(filename: string): ScriptOptions {
  const loader = (constants as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: unknown } | undefined)
    ?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  return loader ? { filename, importModuleDynamically: loader as never } : { filename };
}

function compile(code: string, filename: string): Script {
  const hasAwait = /\bawait\b/.test(code);
  // `{ a: 1 }` typed alone is an object, not a block (Node's REPL reads it the same way), `{ a: await f() }` too.
  if (/^\s*\{/.test(code) && /\}\s*$/.test(code)) {
    const object = `(${code.trim()})\n`;
    try {
      return new Script((hasAwait && wrapTopLevelAwait(object)) || object, scriptOptions(filename));
    } catch {
      // a block after all
    }
  }
  const awaited = hasAwait ? wrapTopLevelAwait(code) : undefined;
  if (awaited) return new Script(awaited, scriptOptions(filename));
  try {
    return new Script(code, scriptOptions(filename));
  } catch (error) {
    if (awaited === null) throwAwaitError(code, filename);
    throw error;
  }
}

/**
 * Code with `await` that acorn could not parse is unfinished or wrong. Compiled as it is, it fails with "await is only
 * valid in async functions", which tells neither (an unfinished `for (const t of ts) {` then
 * `const d = await reg.digest(t)` printed an error instead of a `...` prompt, QA repl5, finding 2). With its `await`s
 * taken out, as Node's REPL reads it (lib/repl.js), an unfinished statement fails as one ("Unexpected end of input",
 * which {@link isRecoverable} reads); that error is thrown for a `...` prompt. Otherwise the code compiled as the
 * body of an async function, where `await` is valid, fails with the error that is really there
 * (`x ??= await f() }`: "Unexpected token '}'").
 */
function throwAwaitError(code: string, filename: string): void {
  try {
    new Script(code.replace(/\bawait\b/g, ""), scriptOptions(filename));
  } catch (error) {
    if (isRecoverable(error, code)) throw error;
  }
  new Script(`async function regattaAwaitCheck() {\n${code}\n}`, scriptOptions(filename));
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
