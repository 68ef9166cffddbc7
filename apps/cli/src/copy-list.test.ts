import { UsageError } from "@regatta/errors";
import { shellArgv } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { parseCopyList, transportRefusal } from "./copy-list.js";

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

describe("transportRefusal: the command a hint suggests", () => {
  /** The argv bash reads from the command in `message` (after `transport: ` or `for one image, `). */
  function suggestedArgv(message: string): string[] {
    const command =
      /(?:transport: |for one image, )(regatta .*?)(?: \(a docker archive, as docker save writes\))?$/.exec(
        message,
      )?.[1];
    if (!command) throw new Error(`no command in ${message}`);
    return shellArgv(command);
  }
  const ref = "localhost:5000/app:1";

  it.each([
    // Was `regatta pull … oci:/t/my dir/lay:v1`: the path split in two; `$HOME` expanded; `it's` an open quote.
    ["target", "oci:/t/my dir/lay:v1", ["regatta", "pull", ref, "oci:/t/my dir/lay:v1", "--platform", "all"]],
    ["target", "oci-archive:/t/it's.tar:a:b", ["regatta", "pull", ref, "oci-archive:/t/it's.tar:a:b"]],
    ["target", "docker-archive:/t/$HOME x.tar", ["regatta", "pull", ref, "docker-archive:/t/$HOME x.tar"]],
    ["target", "dir:/t/`id` x", ["regatta", "pull", ref, "/t/`id` x", "--format", "dir"]],
    ["source", "oci:/t/my dir/lay:amd", ["regatta", "push", "/t/my dir/lay", ref, "--name", "amd"]],
    ["source", "docker-archive:/t/it's.tar", ["regatta", "push", "/t/it's.tar", ref]],
    ["source", "dir:/t/a b", ["regatta", "push", "/t/a b", ref]],
  ] as const)("copy's hint for a %s %j runs as that one argv in a shell", (side, word, argv) => {
    const refused = transportRefusal(word, side, "copy", ref);
    expect(refused).toBeInstanceOf(UsageError);
    expect(suggestedArgv(refused!.message)).toEqual(argv);
  });

  it("sync's hint too, its other end and its --platform quoted alike", () => {
    const refused = transportRefusal("docker-archive:/t/my dir/s.tar", "target", "sync", `docker://${ref}`, {
      platforms: "linux/arm64",
    });
    expect(suggestedArgv(refused!.message)).toEqual([
      "regatta",
      "pull",
      ref,
      "docker-archive:/t/my dir/s.tar",
      "--platform",
      "linux/arm64",
    ]);
  });

  it("leaves plain words bare, and shows a control character escaped, never raw", () => {
    expect(transportRefusal("oci:out/lay:amd", "target", "copy", ref)?.message).toContain(
      `regatta pull ${ref} oci:out/lay:amd --platform all`,
    );
    const message = transportRefusal("oci:/t/a\x1b[2Jb:v1", "target", "copy", ref)!.message;
    expect(message).not.toContain("\x1b");
    expect(suggestedArgv(message)).toEqual([
      "regatta",
      "pull",
      ref,
      "oci:/t/a\x1b[2Jb:v1",
      "--platform",
      "all",
    ]);
  });
});
