import { AbortError } from "@regatta/errors";

/** Exit statuses after a signal: 128 + its number, what a shell reports for a process the signal ended. */
const EXIT_BY_SIGNAL = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_BY_SIGNAL;

let controller: AbortController | undefined;
let received: HandledSignal | undefined;
/** Whether the running command took the signal: one that did not (tags, repl…) has nothing to clean up. */
let taken = false;

/**
 * Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into an abort of the running command, so that it cleans up before the
 * process ends: `blob -o` removes its `.FILE.<pid>-<host>-<random>.partial`, `pull` keeps its resume file and names it (issue
 * 10; without a handler Node dies at once and leaves both). The process then exits with 128 + the signal's number.
 * A command that has not stopped `graceMs` after the signal, or a second signal, ends the process at once (the
 * `exit` hooks still run), and so does the first signal when the command never took the signal (nothing to clean
 * up). Installed by `bin.ts` only: tests that drive `run()` in process keep Node's defaults.
 */
export function installInterruptHandlers(graceMs = 5_000): void {
  if (controller) return;
  const own = new AbortController();
  controller = own;
  for (const name of Object.keys(EXIT_BY_SIGNAL) as HandledSignal[]) {
    process.on(name, () => {
      if (received || !taken) quit(received ?? name);
      received = name;
      own.abort(new AbortError(`interrupted by ${name}`));
      setTimeout(() => quit(name), graceMs).unref();
    });
  }
}

/** Ends the process now, saying why (the `exit` hooks still remove temporary spools). */
function quit(signal: HandledSignal): never {
  process.stderr.write(`regatta: interrupted by ${signal}\n`);
  process.exit(EXIT_BY_SIGNAL[signal]);
}

/** The signal commands hand to the client: aborted by the first SIGINT/SIGTERM/SIGHUP once handlers are installed. */
export function interruptSignal(): { signal?: AbortSignal } {
  if (!controller) return {};
  taken = true;
  return { signal: controller.signal };
}

/** The exit status the process owes to a signal it received, if any. */
export function interruptedExitCode(): number | undefined {
  return received ? EXIT_BY_SIGNAL[received] : undefined;
}
