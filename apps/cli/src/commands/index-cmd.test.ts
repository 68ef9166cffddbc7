/**
 * `regatta index …` command lines, parsed without a registry: the entry platforms never reach the client as the one
 * platform every call means (that would resolve the index to an image before it is edited), lists and repeats
 * collect, and bad annotations are refused before anything runs.
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseOnly } from "../test-parse.js";

const T = "localhost:5000/team/app:1.0";

describe("regatta index command lines", () => {
  it("reads --platform as the entries' platforms, comma-separated or repeated, never as the client's platform", () => {
    const { command, flags } = parseOnly([
      "index",
      "remove",
      T,
      "--platform",
      "linux/arm,linux/386",
      "--platform",
      "linux/s390x",
    ]);
    expect(command).toBe("remove");
    expect(flags.platform).toBeUndefined();
    expect((flags as { entryPlatforms?: string[] }).entryPlatforms).toEqual([
      "linux/arm",
      "linux/386",
      "linux/s390x",
    ]);
  });

  it("collects repeated --annotation and --digest", () => {
    const { flags } = parseOnly([
      "index",
      "annotate",
      T,
      "--annotation",
      "a=1",
      "--annotation",
      "b=x=y",
      "--digest",
      "sha256:1",
      "--digest",
      "sha256:2",
    ]);
    expect(flags).toMatchObject({ annotation: { a: "1", b: "x=y" }, digest: ["sha256:1", "sha256:2"] });
  });

  it.each([
    [["index", "annotate", T, "--annotation", "novalue"], /--annotation needs KEY=VALUE, got "novalue"/],
    [["index", "annotate", T, "--annotation", "=v"], /--annotation needs KEY=VALUE/],
    [["index", "create", T, "localhost:5000/a:1", "--annotation", "k"], /--annotation needs KEY=VALUE/],
    [["index", "remove", T, "--platform", ","], /--platform needs os\/arch/],
  ])("refuses %j before anything runs", (argv, message) => {
    expect(() => parseOnly(argv)).toThrow(UsageError);
    expect(() => parseOnly(argv)).toThrow(message);
  });

  it("requires what each subcommand cannot do without", () => {
    expect(() => parseOnly(["index", "annotate", T])).toThrow(/--annotation/);
    expect(() => parseOnly(["index", "filter", T])).toThrow(/--platform/);
    expect(() => parseOnly(["index", "create", T])).toThrow(/sources/);
  });
});
