/**
 * The CLI as a process (loaded by bin.ts): stdout and stderr failures, internal errors and signals get their exit
 * statuses here, then `run` parses the command line.
 */
import { installInterruptHandlers, interruptedExitCode } from "./interrupt.js";
import { writeStderr } from "./output.js";
import { run } from "./program.js";

const verbose = process.argv.includes("-v") || process.argv.includes("--verbose");

/**
 * stdout that cannot be written: a reader that went away (`| head -c1`, EPIPE) ends the process quietly with 141,
 * as `cat` or `git` killed by SIGPIPE do (0 would hide a failed `| docker load` under `set -o pipefail`); any other
 * error (`> /dev/full`) is one line naming the cause, and status 1. Exiting runs the `exit` hooks (temp spools).
 */
process.stdout.on("error", async (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(141);
  // Loaded only now: a run whose stdout works never needs the client (the pending import keeps the process up).
  const { fileSystemError } = await import("@regatta/client");
  process.stderr.write(`regatta: ${(fileSystemError(err, "stdout") as Error).message}\n`);
  process.exit(1);
});

// stderr that cannot be written (`2>/dev/full`, a closed pipe): there is no one left to tell; the exit status still
// says what happened, so the error is not turned into another one.
process.stderr.on("error", () => {});

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
