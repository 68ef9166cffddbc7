import { InvalidDigestError, InvalidReferenceError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseReference, Reference, RepositoryReference } from "./index.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;

describe("Reference: derived values", () => {
  it.each([
    // [input, options, identifier]: the digest wins over the tag, the tag over the default.
    ["alpine", {}, "latest"],
    ["alpine:3", {}, "3"],
    [`alpine@${A}`, {}, A],
    [`alpine:3@${A}`, {}, A],
    ["alpine", { defaultTag: false }, "latest"],
  ] as const)("identifier of %s %o", (input, options, identifier) => {
    expect(parseReference(input, options).identifier).toBe(identifier);
  });

  it.each([
    ["alpine", "docker.io/library/alpine", "registry-1.docker.io"],
    ["ghcr.io/a/b", "ghcr.io/a/b", "ghcr.io"],
    ["localhost:5000/x", "localhost:5000/x", "localhost:5000"],
  ])("name and apiHost of %s", (input, name, apiHost) => {
    const ref = parseReference(input);
    expect(ref.name).toBe(name);
    expect(ref.apiHost).toBe(apiHost);
    expect(JSON.stringify({ ref })).toBe(JSON.stringify({ ref: ref.toString() }));
  });
});

describe("Reference: copies", () => {
  const base = parseReference(`ghcr.io/a/b:1@${A}`);
  it.each([
    ["withTag", base.withTag("2"), `ghcr.io/a/b:2@${A}`],
    ["withDigest", base.withDigest(B), `ghcr.io/a/b:1@${B}`],
    ["withoutTag", base.withoutTag(), `ghcr.io/a/b@${A}`],
    ["withoutDigest", base.withoutDigest(), "ghcr.io/a/b:1"],
    ["withoutTag.withoutDigest", base.withoutTag().withoutDigest(), "ghcr.io/a/b"],
    ["repositoryOnly", base.repositoryOnly(), "ghcr.io/a/b"],
    ["repositoryOnly.withTag", base.repositoryOnly().withTag("x"), "ghcr.io/a/b:x"],
    ["repositoryOnly.withDigest", base.repositoryOnly().withDigest(B), `ghcr.io/a/b@${B}`],
  ])("%s", (_, ref, expected) => {
    expect(ref.toString()).toBe(expected);
  });

  it("leaves the original alone", () => {
    base.withTag("2");
    base.withoutDigest();
    expect(base.toString()).toBe(`ghcr.io/a/b:1@${A}`);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(base)).toBe(true);
    expect(Reflect.set(base, "tag", "x")).toBe(false);
    expect(Object.isFrozen(base.repositoryOnly())).toBe(true);
  });

  it.each([
    ["withTag", () => base.withTag("-x"), InvalidReferenceError, 'invalid tag "-x": a tag must start'],
    ["withTag ''", () => base.withTag(""), InvalidReferenceError, 'invalid tag "": tag is empty'],
    ["withDigest", () => base.withDigest("sha256:abc"), InvalidDigestError, 'invalid digest "sha256:abc"'],
    [
      "repository withTag",
      () => base.repositoryOnly().withTag("a b"),
      InvalidReferenceError,
      "invalid character",
    ],
  ])("%s refuses bad input", (_, call, kind, message) => {
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
  });
});

describe("Reference: equality", () => {
  it.each([
    ["alpine", "docker.io/library/alpine:latest", true],
    ["alpine", "index.docker.io/library/alpine", true],
    ["alpine", "alpine:3", false],
    ["alpine:3", `alpine:3@${A}`, false],
    [`alpine@${A}`, `docker.io/library/alpine@${A}`, true],
    ["ghcr.io/a", "docker.io/a", false],
  ])("%s = %s is %s", (a, b, equal) => {
    expect(parseReference(a).equals(parseReference(b))).toBe(equal);
    expect(parseReference(a).repositoryOnly().equals(parseReference(b).repositoryOnly())).toBe(
      parseReference(a).name === parseReference(b).name,
    );
  });
});

describe("Reference: built from parts", () => {
  it.each([
    [{ registry: "docker.io", repository: "alpine" }, "docker.io/library/alpine"],
    [{ registry: "index.docker.io", repository: "alpine", tag: "3" }, "docker.io/library/alpine:3"],
    [{ registry: "registry-1.docker.io", repository: "u/x", digest: A }, `docker.io/u/x@${A}`],
    [{ registry: "ghcr.io", repository: "alpine" }, "ghcr.io/alpine"],
    [{ registry: "[::1]:5000", repository: "a/b", tag: "t", digest: A }, `[::1]:5000/a/b:t@${A}`],
  ])("%o", (parts, expected) => {
    const ref = new Reference(parts);
    expect(ref.toString()).toBe(expected);
    expect(parseReference(expected, { defaultTag: false }).equals(ref)).toBe(true);
  });

  it.each([
    [
      { registry: "ghcr.io/x", repository: "a" },
      'invalid registry "ghcr.io/x": invalid character in registry host name',
    ],
    [{ registry: "", repository: "a" }, 'invalid registry "": registry host is empty'],
    [
      { registry: "ghcr.io", repository: "A" },
      'invalid repository "A": repository name must be lowercase ("A" at column 1)',
    ],
    [{ registry: "ghcr.io", repository: "" }, 'invalid repository "": repository name is missing'],
    [{ registry: "docker.io", repository: "a".repeat(248) }, "repository name is 256 characters"],
    [{ registry: "ghcr.io", repository: "a", tag: "a:b" }, 'invalid tag "a:b"'],
  ])("refuses %o", (parts, message) => {
    expect(() => new Reference(parts)).toThrow(InvalidReferenceError);
    expect(() => new Reference(parts)).toThrow(message);
  });

  it("RepositoryReference normalises like Reference", () => {
    const repo = new RepositoryReference({ registry: "index.docker.io", repository: "alpine" });
    expect(repo.toString()).toBe("docker.io/library/alpine");
    expect(repo.familiar()).toBe("alpine");
    expect(repo.apiHost).toBe("registry-1.docker.io");
    expect(JSON.stringify(repo)).toBe('"docker.io/library/alpine"');
  });
});

describe("familiar()", () => {
  it.each([
    ["docker.io/library/alpine:latest", "alpine:latest", "alpine"],
    ["docker.io/library/alpine", "alpine", "alpine"],
    ["docker.io/user/app:1", "user/app:1", "user/app"],
    ["docker.io/library/a/b", "library/a/b", "library/a/b"],
    [`docker.io/library/alpine:3@${A}`, `alpine:3@${A}`, "alpine"],
    ["ghcr.io/a/b:1", "ghcr.io/a/b:1", "ghcr.io/a/b"],
    ["ghcr.io/library/x", "ghcr.io/library/x", "ghcr.io/library/x"],
    ["localhost:5000/x", "localhost:5000/x", "localhost:5000/x"],
  ])("%s → %s", (input, familiar, repository) => {
    const ref = parseReference(input, { defaultTag: false });
    expect(ref.familiar()).toBe(familiar);
    expect(ref.repositoryOnly().familiar()).toBe(repository);
  });
});

describe("familiar() never names another registry", () => {
  // Found by fuzzing (issue 10): docker's FamiliarString turns docker.io/a.b/c into a.b/c, which names the registry
  // a.b. Every familiar form must parse back to the same reference.
  it.each([
    ["docker.io/a.b/c", "docker.io/a.b/c:latest"],
    ["docker.io/localhost/c:1", "docker.io/localhost/c:1"],
    ["docker.io/a.b/c/d", "docker.io/a.b/c/d:latest"],
    ["docker.io/a-b/c", "a-b/c:latest"],
    ["docker.io/a.b", "a.b:latest"],
    ["docker.io/library/a.b", "a.b:latest"],
  ])("%s → %s", (input, familiar) => {
    const ref = parseReference(input);
    expect(ref.familiar()).toBe(familiar);
    expect(parseReference(ref.familiar()).toString()).toBe(ref.toString());
  });
});
