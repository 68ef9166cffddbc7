/**
 * The progress display of copy and put-blob: one bar per blob in flight and a total, with bytes and rate, drawn with
 * cli-progress on stderr. Only on a terminal and without --json: a pipe or a log file gets no control characters.
 */
import type { CopyEvent, PullProgress, PushProgress } from "@regatta/client";
import type CliProgress from "cli-progress";
import { humanSize, shortDigest } from "./output.js";

/** Receives copy events; `stop()` clears the bars. */
export interface TransferProgress {
  onEvent(event: CopyEvent): void;
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
export async function transferProgress(options: { enabled: boolean }): Promise<TransferProgress> {
  if (!options.enabled) return NONE;
  const { default: cliProgress } = await import("cli-progress");
  const multibar = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      // cli-progress computes the ETA from the recent rate; it shows "N/A" until it has one.
      format: "{name} |{bar}| {percentage}% {done}/{size} {rate} ETA {eta_formatted}",
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
      switch (event.type) {
        case "plan":
          totalBytes = event.bytes;
          total = multibar.create(Math.max(1, totalBytes), 0, payload("total       ", 0, totalBytes, start));
          break;
        case "blob-progress": {
          let entry = bars.get(event.digest);
          if (!entry) {
            const bar = multibar.create(
              Math.max(1, event.size),
              0,
              payload(shortDigest(event.digest).slice(7), 0, event.size, Date.now()),
            );
            entry = { bar, bytes: 0, start: Date.now() };
            bars.set(event.digest, entry);
          }
          entry.bytes = event.bytes;
          entry.bar.update(
            event.bytes,
            payload(shortDigest(event.digest).slice(7), event.bytes, event.size, entry.start),
          );
          redrawTotal();
          break;
        }
        case "blob-done": {
          const entry = bars.get(event.digest);
          if (entry) {
            multibar.remove(entry.bar);
            bars.delete(event.digest);
          }
          doneBytes += event.size;
          redrawTotal();
          break;
        }
        default:
          break;
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
  };
}

/** Feeds pull and push progress to the shared transfer display (bars per blob in flight, and a total). */
export function feedLayoutProgress(progress: TransferProgress, event: PullProgress | PushProgress): void {
  switch (event.type) {
    case "plan":
      progress.onEvent({ type: "plan", blobs: [], bytes: event.size, manifests: 0 });
      break;
    case "bytes":
      progress.onEvent({
        type: "blob-progress",
        digest: event.blob.digest,
        size: event.blob.size,
        bytes: event.transferred,
      });
      break;
    case "blob":
      if (event.state === "downloading" || event.state === "uploading") {
        progress.onEvent({
          type: "blob-progress",
          digest: event.blob.digest,
          size: event.blob.size,
          bytes: event.transferred,
        });
      } else {
        const outcome = event.state === "cached" || event.state === "skipped" ? "skipped" : "uploaded";
        progress.onEvent({ type: "blob-done", digest: event.blob.digest, size: event.blob.size, outcome });
      }
      break;
    default:
      break;
  }
}
