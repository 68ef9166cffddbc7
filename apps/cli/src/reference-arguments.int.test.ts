/**
 * A registry address written alone where a reference goes is refused before any request, with the hint `tags`
 * gives (reference-arguments.ts): docker would read it as an official image on docker.io that no one means.
 */
import { isRegistryLookalike } from "@regatta/reference";
import { describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const hint = (word: string) =>
  `regatta: "${word}" is a registry, not an image (docker reads it as docker.io/library/${word.split(":")[0]} with tag ${word.split(":")[1]}); to name a repository on that registry write "${word}/<name>"\n`;

describe("a registry written alone where a reference goes", () => {
  it.each([
    ["inspect", "127.0.0.1:5931"],
    ["manifest", "localhost:5931"],
    ["digest", "127.0.0.1:5931"],
    ["config", "registry.local:5000"],
    ["cat", "127.0.0.1:5931", "/etc/os-release"],
    ["copy", "127.0.0.1:5931", "127.0.0.1:5931/x:1"],
    ["diff", "127.0.0.1:5931/a:1", "localhost:5931"],
    ["tag", "localhost:5931", "2"],
  ])("%s %s: refused up front (exit 2), with the hint, no request to docker.io", async (command, ...args) => {
    // Was "cannot reach registry docker.io" (or its 404): read as docker.io/library/127.0.0.1:5931.
    const word = args.find((a) => isRegistryLookalike(a))!;
    const got = await regatta([command, ...args, "--timeout", "2s"]);
    expect([got.code, got.stdout, got.stderr]).toEqual([2, "", hint(word)]);
  });

  it.each([
    [["schema1", "convert", "127.0.0.1:5931/app:1", "localhost:5931"], "localhost:5931"],
    [["schema1", "verify", "localhost:5931"], "localhost:5931"],
    [["sync", "localhost:5931", "localhost:5931/x"], "localhost:5931"],
  ])("%j: refused up front (exit 2), with the hint", async (args, word) => {
    // Were: schema1 convert named its manifest library/localhost:5931 (exit 0 with a registry), sync read
    // localhost:5931/localhost:5931, verify asked docker.io.
    const got = await regatta([...args, "--timeout", "2s"]);
    expect([got.code, got.stdout, got.stderr]).toEqual([2, "", hint(word)]);
  });

  it("an IPv6 registry address alone gets the hint too, not 'invalid character'", async () => {
    const got = await regatta(["inspect", "[::1]:5931", "--timeout", "2s"]);
    expect([got.code, got.stdout, got.stderr]).toEqual([
      2,
      "",
      'regatta: "[::1]:5931" is a registry, not an image; to name a repository on that registry write "[::1]:5931/<name>"\n',
    ]);
  });

  it("sync's target written as a registry alone (skopeo's form) is told to name a repository", async () => {
    // Was "the target of a sync is a repository: each tag keeps its name (127.0.0.1:5931 names a tag)".
    for (const target of ["127.0.0.1:5931", "[::1]:5931"]) {
      const got = await regatta(["sync", "127.0.0.1:5931/app", target, "--timeout", "2s"]);
      expect(got.code, target).toBe(2);
      expect(got.stderr).toContain(`to name a repository on that registry write "${target}/<name>"`);
      expect(got.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });

  it("sync's target may be a registry alone (skopeo's destination prefix): not refused", async () => {
    const got = await regatta(["sync", "--config", "/nonexistent/sync.yaml", "127.0.0.1:5931"]);
    expect(got.stderr).not.toContain("is a registry, not an image");
  });

  it("the guess: a host-like name with a numeric tag and no repository", () => {
    for (const yes of [
      "localhost:5000",
      "127.0.0.1:5931",
      "registry.local:5000",
      "[::1]:5000",
      "[fe80::1]:443",
    ])
      expect(isRegistryLookalike(yes)).toBe(true);
    for (const no of [
      "alpine:3",
      "alpine:3.20",
      "localhost:latest",
      "localhost:5000/app",
      "ubuntu:22",
      "a.b:1x",
      "[::1]:5000/app",
      "[::1]",
    ])
      expect(isRegistryLookalike(no)).toBe(false);
  });
});
