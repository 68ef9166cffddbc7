import { InvalidReferenceError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { isValidTag, validateTag } from "./index.js";

describe("tags: [\\w][\\w.-]{0,127}", () => {
  it.each(["latest", "3.20", "v1.2.3-rc.1", "_x", "UPPER", "a".repeat(128), "0", "a--b..c__d"])(
    "%s is valid",
    (tag) => {
      expect(isValidTag(tag)).toBe(true);
      expect(validateTag(tag)).toBe(tag);
    },
  );

  it.each([
    ["", 'invalid tag "": tag is empty'],
    [".x", "a tag must start with a letter, a digit or '_' (\".\" at column 1)"],
    ["-x", "a tag must start with a letter, a digit or '_' (\"-\" at column 1)"],
    ["a b", 'invalid character in tag (" " at column 2)'],
    ["a/b", 'invalid character in tag ("/" at column 2)'],
    ["a:b", 'invalid character in tag (":" at column 2)'],
    ["a@b", 'invalid character in tag ("@" at column 2)'],
    ["é", "a tag must start with a letter, a digit or '_' (\"é\" at column 1)"],
    ["a".repeat(129), 'tag is 129 characters, the limit is 128 ("a" at column 129)'],
  ])("refuses %j", (tag, message) => {
    expect(isValidTag(tag)).toBe(false);
    expect(() => validateTag(tag)).toThrow(InvalidReferenceError);
    expect(() => validateTag(tag)).toThrow(message);
  });
});
