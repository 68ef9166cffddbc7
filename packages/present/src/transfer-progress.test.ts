/**
 * The transfer display renders the client's one progress vocabulary (TransferEvent) as it comes: a total from the
 * plan, a bar per blob in flight (named by its short digest) that goes when the blob is done, skipped or mounted.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type ProgressEvent, transferProgress } from "./transfer-progress.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;

/** A terminal that records what is drawn on it. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  let drawn = "";
  stream.on("data", (chunk: Buffer) => {
    drawn += chunk.toString("utf8");
  });
  return { stream, drawn: () => drawn };
}

/** cli-progress draws on a timer (10 frames a second): wait for one. */
const frame = () => new Promise((resolve) => setTimeout(resolve, 250));

describe("transferProgress", () => {
  it("draws the total and a bar per blob in flight from TransferEvents, and clears them at the end", async () => {
    const tty = terminal();
    const progress = await transferProgress({ enabled: true, stream: tty.stream });
    const events: ProgressEvent[] = [
      { type: "plan", bytes: 3000 },
      { type: "blob", state: "started", digest: A, size: 2000, bytes: 0 },
      { type: "blob", state: "bytes", digest: A, size: 2000, bytes: 1000 },
      { type: "blob", state: "skipped", digest: B, size: 1000, bytes: 0 },
    ];
    for (const event of events) progress.onEvent(event);
    await frame();
    progress.stop();
    const drawn = tty.drawn();
    expect(drawn).toContain("total");
    expect(drawn).toMatch(/aaaaaaaaaaaa \|[^|]*\|\s+50% 1\.0 kB\/2\.0 kB/);
    expect(drawn).not.toContain("bbbbbbbb");
    // The total counts the skipped blob and the bytes in flight: 2000 of 3000.
    expect(drawn).toMatch(/total\s+\|[^|]*\|\s+66% 2\.0 kB\/3\.0 kB/);
  });

  it("says ETA N/A before a rate is known, never cli-progress's NULL cut to two characters (ETA LLs)", async () => {
    const tty = terminal();
    const progress = await transferProgress({ enabled: true, stream: tty.stream });
    progress.onEvent({ type: "plan", bytes: 3000 });
    progress.onEvent({ type: "blob", state: "started", digest: A, size: 2000, bytes: 0 });
    await frame();
    progress.stop();
    expect(tty.drawn()).toContain("ETA N/A");
    expect(tty.drawn()).not.toMatch(/ETA (LL|NF)s/);
  });

  it("a blob without a digest yet (put-blob of a stream) still gets a bar", async () => {
    const tty = terminal();
    const progress = await transferProgress({ enabled: true, stream: tty.stream });
    progress.onEvent({ type: "blob", state: "started", bytes: 0 });
    progress.onEvent({ type: "blob", state: "bytes", bytes: 10 });
    await frame();
    progress.stop();
    expect(tty.drawn()).toContain("blob");
  });

  it("draws nothing when disabled (a pipe, --json)", async () => {
    const tty = terminal();
    const progress = await transferProgress({ enabled: false, stream: tty.stream });
    progress.onEvent({ type: "plan", bytes: 1 });
    progress.onEvent({ type: "blob", state: "bytes", digest: A, size: 2, bytes: 1 });
    await frame();
    progress.stop();
    expect(tty.drawn()).toBe("");
  });
});
