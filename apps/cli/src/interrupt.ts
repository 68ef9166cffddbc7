import { AbortError } from "@regatta/errors";

/** Exit statuses after a signal: 128 + its number, what a shell reports for a process the signal ended. */
const EXIT_BY_SIGNAL = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_BY_SIGNAL;

/**
 * What a command's cleanup after an interrupt undoes, named when the process ends without waiting for it: an upload
 * session's DELETE (uploads.ts) lets the registry drop the bytes it holds; skipped, the session stays until the
 * registry's own purge (distribution's uploadpurging, a week by default).
 */
const LEFT_WITHOUT_CLEANUP = { uploads: "upload sessions may stay on the registry" } as const;
export type InterruptCleanup = keyof typeof LEFT_WITHOUT_CLEANUP;

let controller: AbortController | undefined;
let received: HandledSignal | undefined;
/** Whether the running command took the signal: one that did not (tags, repl…) has nothing to clean up. */
let taken = false;
/** What the command taking the signal cleans up after an interrupt, when it said. */
let cleanup: InterruptCleanup | undefined;
/** Whether the command has returned: its cleanup, if any, is done. */
let settled = false;

/**
 * Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into an abort of the running command, so that it cleans up before the
 * process ends: `blob -o` removes its `.FILE.<pid>-<host>-<random>.partial`, `pull` keeps its resume file and names it (issue
 * 10; without a handler Node dies at once and leaves both). The process then exits with 128 + the signal's number.
 * A command that has not stopped `graceMs` after the signal, or a second signal, ends the process at once (the
 * `exit` hooks still run), saying that the cleanup was not waited for and what it leaves; the first signal does so
 * without a word about cleanup when the command never took the signal or has returned (nothing to clean up).
 * Installed by `bin.ts` only: tests that drive `run()` in process keep Node's defaults.
 */
export function installInterruptHandlers(graceMs = 5_000): void {
  if (controller) return;
  const own = new AbortController();
  controller = own;
  for (const name of Object.keys(EXIT_BY_SIGNAL) as HandledSignal[]) {
    process.on(name, () => {
      if (!taken || settled) quit(received ?? name, `interrupted by ${received ?? name}`);
      if (received) quit(received, `interrupted again by ${name}: not waiting for cleanup${leftBehind()}`);
      received = name;
      own.abort(new AbortError(`interrupted by ${name}`));
      const seconds = Math.round(graceMs / 1000);
      const late = `interrupted by ${name}: cleanup still running after ${seconds} s, not waiting for it`;
      setTimeout(() => quit(name, `${late}${leftBehind()}`), graceMs).unref();
    });
  }
}

/** ` (what stays)` for the command's cleanup, when it said what it cleans up. */
function leftBehind(): string {
  return cleanup ? ` (${LEFT_WITHOUT_CLEANUP[cleanup]})` : "";
}

/** What runs, synchronously, when a signal ends the process before the command has: `--har`'s writing. */
const onQuit: (() => void)[] = [];

/**
 * Runs `fn` (synchronous; it must not throw) when a signal ends the process before the command returned: the
 * command's own `finally` never runs then. `--har` writes its recording so (docs/security.md: written when the run
 * ends), a hung run being the one whose recording is wanted most.
 */
export function whenInterrupted(fn: () => void): void {
  onQuit.push(fn);
}

/** Ends the process now, saying why (the `exit` hooks still remove temporary spools). */
function quit(signal: HandledSignal, why: string): never {
  process.stderr.write(`regatta: ${why}\n`);
  for (const fn of onQuit.splice(0)) fn();
  process.exit(EXIT_BY_SIGNAL[signal]);
}

/**
 * The signal commands hand to the client: aborted by the first SIGINT/SIGTERM/SIGHUP once handlers are installed.
 * `cleans` says what the command cleans up after it (`uploads`: upload sessions), named if a second signal ends the
 * process before that is done.
 */
export function interruptSignal(cleans?: InterruptCleanup): { signal?: AbortSignal } {
  if (!controller) return {};
  taken = true;
  if (cleans) cleanup = cleans;
  return { signal: controller.signal };
}

/** Called when the command has returned: a signal after that has no cleanup to wait for. */
export function commandSettled(): void {
  settled = true;
}

/** The exit status the process owes to a signal it received, if any. */
export function interruptedExitCode(): number | undefined {
  return received ? EXIT_BY_SIGNAL[received] : undefined;
}
