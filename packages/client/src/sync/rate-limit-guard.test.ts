/**
 * The pull-quota guard on its own: it passes GETs while the announced quota allows them (counting them off between
 * announcements), stops with a RateLimitLowError that says what was needed and left, or waits and asks again.
 */
import { TooManyRequestsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { RateLimitInfo } from "./rate-limit.js";
import { RateLimitGuard, RateLimitLowError } from "./rate-limit-guard.js";

const quota = (remaining: number): RateLimitInfo => ({
  limit: 100,
  remaining,
  window: 21600,
  raw: { limit: "100;w=21600", remaining: `${remaining};w=21600` },
});
const noProbe = async () => {
  throw new Error("no probe expected");
};

describe("RateLimitGuard", () => {
  it("lets everything through at a registry that announced no quota", async () => {
    const guard = new RateLimitGuard();
    await guard.take("ghcr.io", 1000, noProbe);
    expect(guard.limited("ghcr.io")).toBe(false);
  });

  it("counts its own GETs off, keeps the lower of estimate and announcement, and stops before the reserve", async () => {
    const guard = new RateLimitGuard({ reserve: 1 });
    guard.observe("docker.io", quota(4));
    await guard.take("docker.io", 2, noProbe); // 2 left
    guard.observe("docker.io", quota(3)); // a stale answer from before those GETs: the estimate stays 2
    await guard.take("docker.io", 1, noProbe); // 1 left, the reserve
    const error = await guard.take("docker.io", 1, noProbe).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitLowError);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error).toMatchObject({
      code: "RATE_LIMIT_LOW",
      registry: "docker.io",
      remaining: 1,
      needed: 1,
      window: 21600,
    });
    expect((error as Error).message).toMatch(
      /^stopped before docker\.io's pull quota ran out: 1 manifest GET needed, 1 left \(keeping 1\) in a 21600 s window \(run again later/,
    );
    expect(guard.all()).toEqual({ "docker.io": quota(3) });
  });

  it("with wait, sleeps pollMs and asks again until the window gives pulls back", async () => {
    const slept: number[] = [];
    const answers = [quota(0), quota(0), quota(50)];
    const guard = new RateLimitGuard({ wait: true, pollMs: 1234 }, async (ms) => {
      slept.push(ms);
    });
    guard.observe("docker.io", quota(0));
    await guard.take("docker.io", 2, async () => answers.shift());
    expect(slept).toEqual([1234, 1234, 1234]);
    expect(answers).toEqual([]);
    // 50 came back: 2 + 48 go through, and the next one waits again (then the probe says 10).
    await guard.take("docker.io", 48, noProbe);
    await guard.take("docker.io", 1, async () => quota(10));
    expect(slept).toHaveLength(4);
  });
});
