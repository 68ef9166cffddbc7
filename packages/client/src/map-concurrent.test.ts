import { AbortError, NotFoundError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { blobLimit, mapConcurrent, SMALL_BLOB_BYTES } from "./map-concurrent.js";

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

  it("aborts the others with an abort of their own, never with the failure (which is not theirs)", async () => {
    const boom = new NotFoundError("get blob sha256:aa: BLOB_UNKNOWN");
    const reasons: unknown[] = [];
    await expect(
      mapConcurrent([1, 2, 3], 3, async (n, _i, signal) => {
        if (n === 2) throw boom;
        await new Promise((r) => setTimeout(r, 20));
        reasons.push(signal.reason);
        return n;
      }),
    ).rejects.toBe(boom);
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) {
      expect(reason).toBeInstanceOf(AbortError);
      expect(reason).not.toBe(boom);
      expect((reason as AbortError).cause).toBe(boom);
    }
    // The caller's own abort is passed on as it is.
    const caller = new AbortController();
    const mine = new AbortError("interrupted by SIGINT");
    const seen: unknown[] = [];
    const running = mapConcurrent(
      [1],
      1,
      (_n, _i, signal) =>
        new Promise((_r, reject) =>
          signal.addEventListener("abort", () => {
            seen.push(signal.reason);
            reject(signal.reason);
          }),
        ),
      caller.signal,
    );
    caller.abort(mine);
    await expect(running).rejects.toBe(mine);
    expect(seen).toEqual([mine]);
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

describe("mapConcurrent with a weighted limit", () => {
  /** Runs items of the given weights (each taking `ms[i]` ms) and records the load in flight at every start. */
  async function loads(weights: number[], capacity: number, ms: number[] = weights.map(() => 5)) {
    let load = 0;
    const seen: number[] = [];
    const started: number[] = [];
    const out = await mapConcurrent(
      weights.map((w, i) => ({ w, i })),
      { capacity, weight: (item) => item.w },
      async ({ w, i }) => {
        load += w;
        seen.push(load);
        started.push(i);
        await new Promise((r) => setTimeout(r, ms[i]));
        load -= w;
        return i * 10;
      },
    );
    return { out, peak: Math.max(...seen), started };
  }

  it("keeps the load within the capacity and the results in order", async () => {
    const { out, peak } = await loads([4, 4, 1, 1, 4, 1, 1, 1, 1], 8);
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
    expect(peak).toBe(8);
  });

  it("lets light items start ahead of a heavy one that does not fit yet, and never starves the heavy one", async () => {
    const { started, out } = await loads([4, 4, 1, 1], 5, [30, 30, 1, 1]);
    expect(started.slice(0, 3)).toEqual([0, 2, 3]); // 4 + 1 fits, 4 + 4 does not: the light ones go first
    expect(started).toContain(1);
    expect(out).toEqual([0, 10, 20, 30]);
  });

  it("runs an item heavier than the capacity alone rather than never", async () => {
    const { out, peak } = await loads([1, 9, 1], 4);
    expect(out).toEqual([0, 10, 20]);
    expect(peak).toBeLessThanOrEqual(9);
  });

  it("rejects with the first failure, starts nothing after it, and aborts the calls in flight", async () => {
    const started: number[] = [];
    const aborted: boolean[] = [];
    await expect(
      mapConcurrent([1, 2, 3, 4, 5], { capacity: 2, weight: () => 1 }, async (n, _i, signal) => {
        started.push(n);
        if (n === 2) throw new Error("boom");
        await new Promise((r) => setTimeout(r, 20));
        aborted.push(signal.aborted);
        return n;
      }),
    ).rejects.toThrow("boom");
    expect(started).toEqual([1, 2]);
    expect(aborted).toEqual([true]);
  });

  it("blobLimit: four blobs under 1 MiB in place of one large one", () => {
    const limit = blobLimit(2);
    expect(limit.capacity / limit.weight({ size: SMALL_BLOB_BYTES - 1 })).toBe(8);
    expect(limit.capacity / limit.weight({ size: SMALL_BLOB_BYTES })).toBe(2);
  });
});
