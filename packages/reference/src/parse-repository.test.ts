import { InvalidReferenceError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseRepository, RepositoryReference } from "./index.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseRepository", () => {
  it.each([
    ["alpine", {}, "docker.io/library/alpine", "alpine"],
    ["index.docker.io/u/x", {}, "docker.io/u/x", "u/x"],
    ["ghcr.io/a/b", {}, "ghcr.io/a/b", "ghcr.io/a/b"],
    ["localhost:5000/x", {}, "localhost:5000/x", "localhost:5000/x"],
    ["[::1]:5000/x", {}, "[::1]:5000/x", "[::1]:5000/x"],
    ["alpine", { defaultRegistry: "ghcr.io" }, "ghcr.io/alpine", "ghcr.io/alpine"],
  ])("%s %o", (input, options, full, familiar) => {
    const repo = parseRepository(input, options);
    expect(repo).toBeInstanceOf(RepositoryReference);
    expect(repo.toString()).toBe(full);
    expect(repo.name).toBe(full);
    expect(repo.familiar()).toBe(familiar);
    expect(parseRepository(repo.toString()).equals(repo)).toBe(true);
  });

  it.each([
    ["alpine:3", {}, 'invalid repository "alpine:3": a repository does not take a tag (":3" at column 7)'],
    [
      "alpine:3",
      { usage: "tags" },
      'invalid repository "alpine:3": tags does not take a tag (":3" at column 7)',
    ],
    [`alpine@${D}`, { usage: "tags" }, `tags does not take a digest ("@${D}" at column 7)`],
    [`alpine:3@${D}`, {}, 'a repository does not take a tag (":3" at column 7)'],
    [
      "localhost:5000",
      {},
      'a repository does not take a tag; to name a repository on that registry write "localhost:5000/<name>" (":5000" at column 10)',
    ],
    ["r.example:443", {}, 'write "r.example:443/<name>"'],
    ["Alpine", {}, 'invalid repository "Alpine": repository name must be lowercase ("A" at column 1)'],
    ["", {}, 'invalid repository "": repository is empty'],
    ["https://ghcr.io/a", {}, "a repository has no scheme"],
  ])("refuses %s %o", (input, options, message) => {
    expect(() => parseRepository(input, options)).toThrow(InvalidReferenceError);
    expect(() => parseRepository(input, options)).toThrow(message);
  });

  it("gives no registry hint for an ordinary numeric tag", () => {
    expect(() => parseRepository("alpine:3")).not.toThrow(/registry/);
  });
});
