/**
 * The three timeout flags (issue 10, item 8): `--connect-timeout`, `--idle-timeout` and `--timeout` (the deadline of
 * a small request) become the client's `timeouts` in milliseconds, after any command, and nonsense is refused.
 */
import { UsageError } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { connectOptions } from "./global-options.js";
import { parseOnly } from "./test-parse.js";

const timeoutsOf = (argv: string[]) => connectOptions(parseOnly(argv).flags, () => {}).timeouts;

describe("timeout flags", () => {
  it("each flag sets its own timeout, in seconds, fractions allowed", () => {
    expect(timeoutsOf(["tags", "a", "--connect-timeout", "2"])).toEqual({ connect: 2000 });
    expect(timeoutsOf(["blob", "a@sha256:0", "--idle-timeout", "0.5"])).toEqual({ idle: 500 });
    expect(timeoutsOf(["copy", "a:1", "b:1", "--timeout", "5"])).toEqual({ request: 5000 });
    expect(
      timeoutsOf(["--timeout", "7", "manifest", "a", "--idle-timeout", "30", "--connect-timeout", "1"]),
    ).toEqual({ connect: 1000, idle: 30_000, request: 7000 });
    expect(timeoutsOf(["tags", "a"])).toBeUndefined(); // the library's defaults then
    expect(timeoutsOf(["tags", "a", "--timeout", "2147483"])).toEqual({ request: 2_147_483_000 });
  });

  // skopeo's --command-timeout and regctl take Go durations; a value copied from them means the same here.
  it.each([
    ["2s", 2000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    ["1h2m3.5s", 3_723_500],
    ["2500us", 3],
    [".5s", 500],
    [" 45 ", 45_000],
  ])("--timeout %j is a Go duration or seconds: %d ms", (value, ms) => {
    expect(timeoutsOf(["tags", "a", "--timeout", value])).toEqual({ request: ms });
  });

  it("--timeout 0 (or 0s) is no deadline, as the library's timeouts.request 0 and skopeo's --command-timeout 0", () => {
    expect(timeoutsOf(["tags", "a", "--timeout", "0"])).toEqual({ request: 0 });
    expect(timeoutsOf(["tags", "a", "--timeout", "0s"])).toEqual({ request: 0 });
    expect(timeoutsOf(["tags", "a", "--timeout", "0m0s"])).toEqual({ request: 0 });
  });

  it.each([
    ["--connect-timeout", "0"],
    ["--idle-timeout", "0s"],
    ["--timeout", "-1"],
    ["--idle-timeout", "soon"],
    ["--connect-timeout", " "],
    ["--idle-timeout", "Infinity"],
    // Above 2^31-1 ms a Node timer fires at once: "timed out, raise it" for a timeout too large (QA faults5 #4).
    ["--timeout", "1e9"],
    ["--idle-timeout", "2147484"],
    ["--connect-timeout", "99999999999"],
    ["--timeout", "2x"],
    ["--timeout", "1m 30s"],
    ["--timeout", "s"],
    ["--timeout", "-2s"],
    ["--timeout", "100ns"],
    ["--idle-timeout", "600000h"],
    ["--timeout", "1d"],
  ])("%s %j is refused with a UsageError naming the flag", (flag, value) => {
    expect(() => timeoutsOf(["tags", "a", flag, value])).toThrow(UsageError);
    expect(() => timeoutsOf(["tags", "a", flag, value])).toThrow(flag);
  });
});

describe("--timeout for login and logout: the wait for the credentials file's lock", () => {
  it("is read as every --timeout is: seconds or a duration, 0 for no end, nonsense refused", async () => {
    const { lockWait } = await import("./commands/login.js");
    const { MAX_TIMEOUT_MS } = await import("@regatta/errors");
    const waitOf = (argv: string[]) => lockWait(parseOnly(argv).flags).lockTimeoutMs;
    expect(waitOf(["login", "h", "--timeout", "2s"])).toBe(2000);
    expect(waitOf(["logout", "h", "--timeout", "0"])).toBe(MAX_TIMEOUT_MS);
    expect(waitOf(["login", "h"])).toBeUndefined(); // the store's own 30 s
    expect(() => waitOf(["login", "h", "--timeout", "-1"])).toThrow(/--timeout takes a positive number/);
  });
});
