import { RegattaError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { FuzzFinding, fuzzParse } from "./fuzz.js";

/** Burns `ms` of this thread's CPU. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  while (true) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

/** Blocks this thread for `ms` of wall time without using CPU, as a parser preempted by other processes would. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe("fuzzParse", () => {
  it("returns the value, or the typed error the parser threw", () => {
    expect(fuzzParse("a", () => 42)).toEqual({ ok: true, value: 42 });
    const error = new RegattaError("bad input", { code: "NAME_INVALID" });
    const outcome = fuzzParse("b", () => {
      throw error;
    });
    expect(outcome.ok ? undefined : outcome.error).toBe(error);
  });

  it("an untyped throw is a finding", () => {
    expect(() =>
      fuzzParse("c", () => {
        throw new TypeError("x is undefined");
      }),
    ).toThrow(FuzzFinding);
  });

  it("a parse that uses more CPU than the bound is a finding, named with its CPU time", () => {
    expect(() => fuzzParse("slow", () => spin(60), 30)).toThrow(/took \d+ ms \(limit 30 ms\) for "slow"/);
  });

  it("a parse that only waited longer than the bound (preempted, not busy) is not a finding", () => {
    let runs = 0;
    const outcome = fuzzParse(
      "preempted",
      () => {
        runs++;
        block(60);
        return "ok";
      },
      30,
    );
    expect(outcome).toEqual({ ok: true, value: "ok" });
    // Parsed again to be timed in CPU, as it was slow on the wall clock.
    expect(runs).toBe(2);
  });

  it("a fast parse runs once", () => {
    let runs = 0;
    fuzzParse("fast", () => runs++, 10_000);
    expect(runs).toBe(1);
  });
});
