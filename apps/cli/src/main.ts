/**
 * The CLI as a process (loaded by bin.ts, which handles stdout and stderr failures and sets the process's V8 flags):
 * internal errors and signals get their exit statuses here, then `run` parses the command line.
 */
import { commandSettled, installInterruptHandlers, interruptedExitCode } from "./interrupt.js";
import { writeStderr } from "./output.js";
import { run } from "./program.js";

const verbose = process.argv.includes("-v") || process.argv.includes("--verbose");

// A bug must still end in one line (the stack only with -v), never a dump on a user's terminal.
const internal = (error: unknown) => {
  const text =
    error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  writeStderr(`regatta: internal error: ${text}\n`);
  process.exit(1);
};
process.on("uncaughtException", internal);
process.on("unhandledRejection", internal);

installInterruptHandlers();

let finished = false;
run(process.argv).then((code) => {
  finished = true;
  commandSettled();
  process.exitCode = interruptedExitCode() ?? code;
});

// The event loop emptied while the command was still pending: nothing is left that could settle it (a promise
// waiting on a download paused behind a stream nobody reads holds no socket or timer). Node would exit with status
// 0 and no word, a failure reported as a success (`export -o DIR`, QA faults5 #1); it is a bug, said as one.
process.once("beforeExit", () => {
  if (finished) return;
  writeStderr("regatta: internal error: the command stopped before it finished (nothing left to wait for)\n");
  process.exitCode = interruptedExitCode() ?? 1;
});
