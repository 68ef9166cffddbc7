import { describe, expect, it } from "vitest";
import { isValidRepositoryPath, REPOSITORY_NAME_MAX_LENGTH } from "./index.js";

describe("isValidRepositoryPath (a catalog's names)", () => {
  it.each(["alpine", "library/alpine", "a/b/c/d", "a.b_c__d---e", "0"])("%s is valid", (path) => {
    expect(isValidRepositoryPath(path)).toBe(true);
  });

  it.each([
    "",
    "Team/api",
    "a//b",
    "/a",
    "a/",
    "a..b",
    "a___b",
    "-a",
    "a b",
    "a:1",
    "localhost:5000/a",
    "x\u001b]8;;http://evil/\u001b\\link",
    "evil\u001b[31m/red",
    "new\nline",
    "a".repeat(REPOSITORY_NAME_MAX_LENGTH + 1),
  ])("refuses %j", (path) => {
    expect(isValidRepositoryPath(path)).toBe(false);
  });
});
