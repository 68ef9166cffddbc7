/**
 * The CLI's use of the transfer display (@regatta/present's transferProgress): on stderr, when it is a terminal that
 * takes control sequences (takesControls: not TERM=dumb) and the output is for people (no --json).
 */
import type { TransferEvent } from "@regatta/client";
import { quotePath } from "@regatta/errors";
import { takesControls, transferProgress } from "@regatta/present";
import { writeStderr } from "./output.js";

/**
 * Runs a transfer with a display for people (on a terminal that takes control sequences, without --json, and unless `enabled` says otherwise):
 * `fn` gets the `onProgress` to hand the client, and the bars are cleared however the transfer ends.
 */
export async function withTransferProgress<T>(
  flags: { json?: boolean },
  fn: (onProgress: (event: TransferEvent) => void) => Promise<T>,
  enabled = true,
): Promise<T> {
  const progress = await transferProgress({
    enabled: enabled && takesControls(process.stderr) && !flags.json,
  });
  try {
    return await fn((event) => {
      // Said whatever the display: a pull that waits for another one must not look hung.
      if (event.type === "waiting" && "reader" in event) sayReaderWait(event.destination);
      else if (event.type === "waiting")
        writeStderr(
          `waiting for another process (pid ${event.holder}) writing ${quotePath(event.destination)} to finish (its lock: ${quotePath(event.lock)}; remove that file if no such pull runs)\n`,
        );
      progress.onEvent(event);
    });
  } finally {
    progress.stop();
  }
}

/** The one line said when a write to `path`, a FIFO, has waited a second for a reader (every `-o`, `--har`, pull). */
export function sayReaderWait(path: string): void {
  writeStderr(`waiting for a reader of the FIFO ${quotePath(path)}\n`);
}
