/**
 * `resolveTimeouts` (timeouts.ts): the defaults, the old `read` name, and the exact refusal of a value that is not a
 * positive number of milliseconds (`request` alone may be 0: no deadline).
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUTS, resolveTimeouts } from "./timeouts.js";

describe("resolveTimeouts", () => {
  it("fills in 10 s to connect, 30 s of silence and 60 s per small request", () => {
    expect(DEFAULT_TIMEOUTS).toEqual({ connect: 10_000, idle: 30_000, request: 60_000 });
    expect(Object.isFrozen(DEFAULT_TIMEOUTS)).toBe(true);
    expect(resolveTimeouts({})).toEqual(DEFAULT_TIMEOUTS);
    expect(resolveTimeouts({ connect: 1, idle: 2, request: 3 })).toEqual({ connect: 1, idle: 2, request: 3 });
  });

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
