import { InvalidReferenceError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { tagsRepository } from "./tags.js";

describe("tagsRepository", () => {
  it("takes a repository as it is, with no note", () => {
    const { repo, note } = tagsRepository("localhost:5000/team/api");
    expect([repo.name, note]).toEqual(["localhost:5000/team/api", undefined]);
  });

  it.each([
    ["alpine:3.20", "docker.io/library/alpine", "the tag 3.20 of alpine:3.20 ignored"],
    [
      `localhost:5000/team/api@sha256:${"a".repeat(64)}`,
      "localhost:5000/team/api",
      `the digest sha256:${"a".repeat(64)} of`,
    ],
    [
      `ghcr.io/org/app:1@sha256:${"b".repeat(64)}`,
      "ghcr.io/org/app",
      `the tag 1 and digest sha256:${"b".repeat(64)} of`,
    ],
  ])("lists the repository of %s, saying what is ignored", (input, name, said) => {
    const { repo, note } = tagsRepository(input);
    expect(repo.name).toBe(name);
    expect(note).toContain(`listing the tags of ${name}; ${said}`);
  });

  it.each(["localhost:5000", "registry.example:443"])(
    "still refuses %s: a registry without a repository, not an image tagged with a port",
    (input) => {
      expect(() => tagsRepository(input)).toThrow(InvalidReferenceError);
      expect(() => tagsRepository(input)).toThrow(
        `to name a repository on that registry write "${input}/<name>"`,
      );
    },
  );

  it("refuses what is no reference at all with the repository's own error", () => {
    expect(() => tagsRepository("a//b:1")).toThrow(
      'invalid repository "a//b:1": repository name has an empty path component',
    );
  });
});
