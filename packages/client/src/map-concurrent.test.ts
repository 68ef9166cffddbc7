import { describe, expect, it } from "vitest";
import { mapConcurrent } from "./map-concurrent.js";

describe("mapConcurrent", () => {
  it("keeps order and never exceeds the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n * 3));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it("rejects with the first failure and aborts the others", async () => {
    const aborted: boolean[] = [];
    await expect(
      mapConcurrent([1, 2, 3], 3, async (n, _i, signal) => {
        if (n === 2) throw new Error("boom");
        await new Promise((r) => setTimeout(r, 20));
        aborted.push(signal.aborted);
        return n;
      }),
    ).rejects.toThrow("boom");
    expect(aborted).toEqual([true, true]);
  });

  it("handles an empty list", async () => {
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
  });

  it("a signal shared by more than 10 calls at once is no leak: Node prints no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      await mapConcurrent(
        Array.from({ length: 16 }, (_, i) => i),
        16,
        async (n, _i, signal) => {
          const listeners = [() => {}, () => {}];
          for (const l of listeners) signal.addEventListener("abort", l);
          await new Promise((r) => setTimeout(r, 5));
          for (const l of listeners) signal.removeEventListener("abort", l);
          return n;
        },
      );
      // Node emits the warning on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
