import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  archivePath,
  checkedTag,
  confinedPath,
  digestParts,
  dirBlobPath,
  ociBlobName,
  ociBlobPath,
} from "./safe-path.js";

const HEX = "a".repeat(64);

describe("names from a registry or an archive never escape the destination", () => {
  it.each([
    "sha256:../../x",
    "sha256:../../../etc/passwd",
    "sha256:/etc/passwd",
    `sha256:${HEX}/../../x`,
    "sha256:..",
    `sha256:${"A".repeat(64)}`,
    "md5:d41d8cd98f00b204e9800998ecf8427e",
    "foo:../x",
    `sha256:${HEX}\0`,
    "../../x",
    "",
  ])("refuses the digest %j before it becomes a path", (digest) => {
    expect(() => digestParts(digest)).toThrow();
    expect(() => ociBlobPath("/dest", digest)).toThrow();
    expect(() => dirBlobPath("/dest", digest)).toThrow();
    expect(() => ociBlobName(digest)).toThrow();
  });

  it("maps good digests to the layouts' names", () => {
    expect(ociBlobPath("/dest", `sha256:${HEX}`)).toBe(resolve("/dest/blobs/sha256", HEX));
    expect(dirBlobPath("/dest", `sha256:${HEX}`)).toBe(resolve("/dest/blobs", `sha256:${HEX}`));
    expect(ociBlobName(`sha512:${"b".repeat(128)}`)).toBe(`blobs/sha512/${"b".repeat(128)}`);
  });

  it.each([["a/b"], [".."], ["."], [""], ["x\0y"], ["a\\b"]])("confinedPath refuses the part %j", (part) => {
    expect(() => confinedPath("/dest", part)).toThrow(/refusing/);
  });

  it("confinedPath joins plain names under the root", () => {
    expect(confinedPath("/dest", "blobs", "sha256", HEX)).toBe(
      join(resolve("/dest"), "blobs", "sha256", HEX),
    );
  });

  it.each(["a/b", "../x", "a/../../b", "", ".hidden/../..", `${"t".repeat(129)}`])(
    "refuses the tag %j",
    (tag) => {
      expect(() => checkedTag(tag)).toThrow(/invalid tag/);
    },
  );

  it.each([
    ["/etc/passwd", ""],
    ["../x", ""],
    ["a/../../x", ""],
    ["../../../x", "blobs/sha256"],
    ["x\0", ""],
  ])("refuses the archive entry %j (from %j)", (name, dir) => {
    expect(() => archivePath(name, dir)).toThrow(/archive/);
  });

  it.each([
    ["./manifest.json", "", "manifest.json"],
    ["blobs//sha256/./x", "", "blobs/sha256/x"],
    ["../abc.tar", "layerid", "abc.tar"],
    ["blobs/sha256/", "", "blobs/sha256"],
  ])("normalises the archive entry %j (from %j) to %j", (name, dir, want) => {
    expect(archivePath(name, dir)).toBe(want);
  });
});
