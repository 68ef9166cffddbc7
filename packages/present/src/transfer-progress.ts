/**
 * The progress display of copy, pull, push and put-blob, in the CLI (on stderr) and the REPL (on its terminal): one bar
 * per blob in flight and a total, with bytes, rate and ETA, drawn with cli-progress. Only on a terminal that takes
 * control sequences (takesControls: no pipe, no log file, no TERM=dumb); the callers ask it
 * (apps/cli/src/transfer-progress.ts, the REPL's start-repl.ts). Every verb speaks the client's one vocabulary
 * (ProgressEvent), so there is nothing to translate.
 */

import { shortDigest } from "@regatta/manifest";
import type CliProgress from "cli-progress";
import { humanSize } from "./human-size.js";

/**
 * The events the display draws: the client's ProgressEvent (packages/client/src/transfer-events.ts), as far as it
 * reads them. Declared here, structurally, so this package depends on nothing above it (layering.test.ts).
 */
export type ProgressEvent =
  | { type: "plan"; bytes: number }
  | { type: "blob"; state: string; digest?: string; size?: number; bytes: number }
  | { type: "manifest" }
  | { type: "waiting" };

/** Receives a transfer's events (pass `onEvent` as the verb's `onProgress`); `stop()` clears the bars. */
export interface TransferProgress {
  onEvent(event: ProgressEvent): void;
  stop(): void;
}

const NONE: TransferProgress = { onEvent() {}, stop() {} };

/** Bytes per second since `start`, human-readable. */
function rate(bytes: number, start: number): string {
  const seconds = (Date.now() - start) / 1000;
  return seconds > 0.05 ? `${humanSize(Math.round(bytes / seconds))}/s` : "";
}

/**
 * A display when stderr is a terminal and output is for people; otherwise one that does nothing. cli-progress is
 * loaded only for a display: a script's run (a pipe, --json) never reads it.
 */
export async function transferProgress(options: {
  enabled: boolean;
  /** Where the bars go (a terminal). Default stderr; a test gives its own. */
  stream?: NodeJS.WritableStream;
}): Promise<TransferProgress> {
  if (!options.enabled) return NONE;
  const { default: cliProgress } = await import("cli-progress");
  const multibar = new cliProgress.MultiBar(
    {
      stream: options.stream ?? process.stderr,
      // cli-progress computes the ETA from the recent rate. Until it has one its ETA is "NULL" ("INF" for a stalled
      // transfer), which its time format cuts to two characters ("LLs"): those are said as "N/A" here.
      format: "{name} |{bar}| {percentage}% {done}/{size} {rate} ETA {eta_formatted}",
      formatTime: (t: unknown, options: CliProgress.Options, roundTo: number) =>
        typeof t === "number" && Number.isFinite(t)
          ? cliProgress.Format.TimeFormat(t, options, roundTo)
          : "N/A",
      etaBuffer: 20,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      autopadding: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = Date.now();
  let stopped = false;
  let total: CliProgress.SingleBar | undefined;
  let totalBytes = 0;
  let doneBytes = 0;
  const bars = new Map<string, { bar: CliProgress.SingleBar; bytes: number; start: number }>();
  const payload = (name: string, done: number, size: number, since: number) => ({
    name,
    done: humanSize(done),
    size: humanSize(size),
    rate: rate(done, since),
  });
  const redrawTotal = () => {
    const inFlight = [...bars.values()].reduce((n, b) => n + b.bytes, 0);
    const value = Math.min(doneBytes + inFlight, totalBytes);
    total?.update(value, payload("total       ", value, totalBytes, start));
  };
  return {
    onEvent(event) {
      if (event.type === "plan") {
        totalBytes = event.bytes;
        total = multibar.create(Math.max(1, totalBytes), 0, payload("total       ", 0, totalBytes, start));
        return;
      }
      if (event.type !== "blob") return;
      // A blob whose digest is still being computed (put-blob of stdin) has one bar under no name.
      const key = event.digest ?? "";
      const size = event.size ?? 0;
      const name = event.digest ? shortDigest(event.digest).slice(7) : "blob        ";
      if (event.state === "started" || event.state === "bytes") {
        let entry = bars.get(key);
        if (!entry) {
          const bar = multibar.create(Math.max(1, size), 0, payload(name, 0, size, Date.now()));
          entry = { bar, bytes: 0, start: Date.now() };
          bars.set(key, entry);
        }
        entry.bytes = event.bytes;
        entry.bar.update(event.bytes, payload(name, event.bytes, size, entry.start));
      } else {
        const entry = bars.get(key);
        if (entry) {
          multibar.remove(entry.bar);
          bars.delete(key);
        }
        doneBytes += size;
      }
      redrawTotal();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
  };
}
