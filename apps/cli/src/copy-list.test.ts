import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseCopyList } from "./copy-list.js";

describe("parseCopyList", () => {
  it("reads SOURCE TARGET lines, skipping comments and blank lines, keeping line numbers", () => {
    const text = [
      "# mirror list",
      "",
      "alpine:3.20   localhost:5000/mirror/alpine",
      "\tghcr.io/org/app:1 localhost:5000/app:1   # pinned",
      "   ",
      `localhost:5000/a@sha256:${"c".repeat(64)} localhost:5001/a\r`,
    ].join("\n");
    const pairs = parseCopyList(text, "refs.txt");
    expect(pairs.map((p) => [p.line, p.source.toString(), p.target.toString()])).toEqual([
      [3, "docker.io/library/alpine:3.20", "localhost:5000/mirror/alpine"],
      [4, "ghcr.io/org/app:1", "localhost:5000/app:1"],
      [6, `localhost:5000/a@sha256:${"c".repeat(64)}`, "localhost:5001/a"],
    ]);
  });

  it("keeps a target without a tag tagless (the copy then takes the source's tag)", () => {
    const [pair] = parseCopyList("a:1 b", "f");
    expect(pair!.target.tag).toBeUndefined();
    expect(pair!.source.tag).toBe("1");
  });

  it("names every bad line at once, on one line, the first ten and a count of the rest", () => {
    expect(() => parseCopyList("a b\nx\nUPPER:: c\nd e f", "refs.txt")).toThrow(
      /^refs\.txt:2: want "SOURCE TARGET", got 1 word; refs\.txt:3: invalid reference .*; refs\.txt:4: want "SOURCE TARGET", got 3 words$/,
    );
    const many = Array.from({ length: 13 }, () => "lonely").join("\n");
    expect(() => parseCopyList(many, "f")).toThrow(/f:10: want .*; and 3 more bad lines$/);
  });

  it.each([
    ["alpine:3.20", 'refs.txt:1: want "SOURCE TARGET", got 1 word'],
    ["\n\na b c", 'refs.txt:3: want "SOURCE TARGET", got 3 words'],
    ["a:1 b\nUPPER:: c", "refs.txt:2: invalid reference"],
    ["# nothing\n\n", 'refs.txt lists no copy (lines "SOURCE TARGET")'],
  ])("refuses %j, naming the line", (text, message) => {
    expect(() => parseCopyList(text, "refs.txt")).toThrow(UsageError);
    expect(() => parseCopyList(text, "refs.txt")).toThrow(message);
  });
});
