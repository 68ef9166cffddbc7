/**
 * `resolveTimeouts` (timeouts.ts): the defaults, the old `read` name, and the exact refusal of a value that is not a
 * positive number of milliseconds (`request` alone may be 0: no deadline).
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUTS, MAX_TIMEOUT_MS, resolveTimeouts } from "./timeouts.js";

describe("resolveTimeouts", () => {
  it("fills in 10 s to connect, 30 s of silence and 60 s per small request", () => {
    expect(DEFAULT_TIMEOUTS).toEqual({ connect: 10_000, idle: 30_000, request: 60_000 });
    expect(Object.isFrozen(DEFAULT_TIMEOUTS)).toBe(true);
    expect(resolveTimeouts({})).toEqual(DEFAULT_TIMEOUTS);
    expect(resolveTimeouts({ connect: 1, idle: 2, request: 3 })).toEqual({ connect: 1, idle: 2, request: 3 });
  });

  it.each(["connect", "idle", "request"] as const)(
    "refuses %s above 2^31-1 ms, which a Node timer would fire at once (TimeoutOverflowWarning)",
    (name) => {
      expect(MAX_TIMEOUT_MS).toBe(2_147_483_647);
      expect(resolveTimeouts({ [name]: MAX_TIMEOUT_MS })[name]).toBe(MAX_TIMEOUT_MS);
      const over = () => resolveTimeouts({ [name]: 3e9 });
      expect(over).toThrow(UsageError);
      expect(over).toThrow(
        `timeouts.${name} must be at most 2147483647 ms (about 24.8 days, the longest a timer waits), not 3000000000`,
      );
    },
  );

  it("takes `read` as `idle`, and `idle` wins when both are given", () => {
    expect(resolveTimeouts({ read: 5 }).idle).toBe(5);
    expect(resolveTimeouts({ read: 5, idle: 7 }).idle).toBe(7);
  });

  it("lets only `request` be 0", () => {
    expect(resolveTimeouts({ request: 0 }).request).toBe(0);
    expect(() => resolveTimeouts({ connect: 0 })).toThrow(
      "timeouts.connect must be a positive number of milliseconds, not 0",
    );
    expect(() => resolveTimeouts({ idle: 0 })).toThrow(
      "timeouts.idle must be a positive number of milliseconds, not 0",
    );
    expect(() => resolveTimeouts({ read: 0 })).toThrow(
      "timeouts.idle must be a positive number of milliseconds, not 0",
    );
  });

  it.each([
    ["connect", -1],
    ["idle", Number.NaN],
    ["request", -5],
    ["request", Number.POSITIVE_INFINITY],
    ["connect", Number.NEGATIVE_INFINITY],
  ] as const)("refuses %s = %s, naming it", (name, value) => {
    const call = () => resolveTimeouts({ [name]: value });
    expect(call).toThrow(UsageError);
    expect(call).toThrow(`timeouts.${name} must be a positive number of milliseconds, not ${value}`);
  });

  it("takes a fraction of a millisecond as it is", () => {
    expect(resolveTimeouts({ connect: 0.5 }).connect).toBe(0.5);
  });
});
