/**
 * The CLI as a process (loaded by bin.ts, which handles stdout and stderr failures and sets the process's V8 flags):
 * internal errors and signals get their exit statuses here, then `run` parses the command line.
 */
import { installInterruptHandlers, interruptedExitCode } from "./interrupt.js";
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

run(process.argv).then((code) => {
  process.exitCode = interruptedExitCode() ?? code;
});
