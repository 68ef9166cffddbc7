/**
 * Tag patterns in RE2's syntax and engine (tag-pattern.ts): what Go's regexp (skopeo, regsync, regctl) accepts and
 * matches, and what it refuses, with RE2's reason.
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { anywhereInTag, tagPatternError, wholeTagPattern } from "./tag-pattern.js";

describe("wholeTagPattern", () => {
  it("matches the whole tag, RE2's flag groups and classes included", () => {
    const keep = wholeTagPattern("v1|(?i)LATEST|\\d+\\.[[:digit:]]+", "include");
    expect(["v1", "v10", "latest", "Latest", "3.19", "3.19-alpine"].filter(keep)).toEqual([
      "v1",
      "latest",
      "Latest",
      "3.19",
    ]);
  });

  it("gives the answer of a linear-time engine for nested quantifiers on a 128-character tag", () => {
    // A backtracking engine does not return from these (2^127 paths); RE2 reads the tag once.
    const tag = `${"a".repeat(127)}b`;
    expect(wholeTagPattern("(a+)+", "include")(tag)).toBe(false);
    expect(wholeTagPattern("(a|aa)+", "exclude")(tag)).toBe(false);
    expect(wholeTagPattern("(a|aa)+b", "include")(tag)).toBe(true);
    expect(wholeTagPattern(anywhereInTag("(a+)+$"), "include")(tag)).toBe(false);
  });

  it.each([
    ["(a)\\1", "invalid escape sequence: `\\1`"],
    ["v(?=1)", "invalid or unsupported Perl syntax: `(?=`"],
    ["v(?!1)", "invalid or unsupported Perl syntax: `(?!`"],
    ["(x", "missing closing )"],
  ])("refuses %s, which RE2 does not take, with its reason", (pattern, reason) => {
    expect(() => wholeTagPattern(pattern, "exclude")).toThrow(UsageError);
    expect(() => wholeTagPattern(pattern, "exclude")).toThrow(
      `exclude pattern ${JSON.stringify(pattern)} is not a regular expression in RE2's syntax`,
    );
    expect(tagPatternError(pattern)).toContain(reason);
  });

  it("refuses an empty pattern (an unset shell variable), which would keep or drop nothing", () => {
    expect(() => wholeTagPattern("", "include")).toThrow("include pattern is empty");
  });

  it("takes a caller's RegExp as JavaScript's", () => {
    expect(["t1", "x"].filter(wholeTagPattern(/^t\d$/y, "include"))).toEqual(["t1"]);
  });
});

describe("anywhereInTag", () => {
  it("matches where skopeo's unanchored MatchString does", () => {
    const keep = wholeTagPattern(anywhereInTag("v1"), "include");
    expect(["v1", "v10", "xv1.2", "v2"].filter(keep)).toEqual(["v1", "v10", "xv1.2"]);
    const anchored = wholeTagPattern(anywhereInTag("^1\\.2[0-9]\\."), "include");
    expect(["1.21.0", "x1.21.0", "1.2"].filter(anchored)).toEqual(["1.21.0"]);
    expect(tagPatternError("a)(?:b")).toBeDefined();
  });
});
