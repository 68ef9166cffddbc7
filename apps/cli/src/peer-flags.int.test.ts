/**
 * A peer tool's flag or verb gets a pointer to Regatta's way beside commander's "unknown option" (peer-flags.ts).
 */
import { describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

/** Runs `args`: exit 2, commander's `error` on the first line, a hint holding `pointer` on the last (returned). */
async function expectPointer(args: string[], error: string, pointer: string): Promise<string> {
  const got = await regatta(args);
  expect([got.code, got.stdout]).toEqual([2, ""]);
  const lines = got.stderr.trimEnd().split("\n");
  expect(lines[0]).toContain(error);
  expect(lines.at(-1)).toMatch(/^hint: /);
  expect(lines.at(-1)).toContain(pointer);
  return lines.at(-1)!;
}

describe("flags and verbs of peer tools", () => {
  it.each([
    [
      ["inspect", "--tls-verify=false", "x"],
      "regatta: unknown option '--tls-verify=false'",
      "--tls-skip-verify",
    ],
    [["--creds", "u:p", "inspect", "x"], "regatta: unknown option '--creds'", "-u USER --password-stdin"],
    [["--no-creds", "inspect", "x"], "regatta: unknown option '--no-creds'", "--anonymous"],
    [["copy", "--all", "a", "b"], "regatta: unknown option '--all'", "every platform of an index by default"],
    [["copy", "-a", "a", "b"], "regatta: unknown option '-a'", "every platform of an index by default"],
    [["inspect", "--raw", "x"], "regatta: unknown option '--raw'", "regatta manifest REF"],
    [["inspect", "--config", "x"], "regatta: unknown option '--config'", "regatta config REF"],
    [["inspect", "--override-arch", "arm64", "x"], "regatta: unknown option '--override-arch'", "--platform"],
    [["copy", "--multi-arch", "all", "a", "b"], "regatta: unknown option '--multi-arch'", "--platform"],
    [["list-tags", "x"], "regatta: unknown command 'list-tags'", "regatta tags REPO"],
  ])("%j: unknown, with a pointer (exit 2)", async (args, error, pointer) => {
    // Was commander's bare "unknown option" (or "unknown command") with no word of Regatta's equivalent.
    await expectPointer(args, error, pointer);
  });

  it.each([
    // Were copy's words ("copy keeps every platform…") for pull, and inspect's for manifest.
    [["pull", "--all", "a", "b"], "regatta: unknown option '--all'", "pull keeps this host's platform"],
    [["pull", "-a", "a", "b"], "regatta: unknown option '-a'", "--platform all"],
    [["manifest", "--raw", "x"], "regatta: unknown option '--raw'", "manifest already prints"],
    [["config", "--raw", "x"], "regatta: unknown option '--raw'", "config already prints"],
    [["sync", "--all", "a", "b"], "regatta: unknown option '--all'", "regatta sync copies every platform"],
    // regctl's verbs that got nothing.
    [["image", "inspect", "x"], "regatta: unknown command 'image'", "regatta inspect REF"],
    [["repo", "ls", "localhost:5000"], "regatta: unknown command 'repo'", "regatta catalog REGISTRY"],
    [["manifest", "get", "x"], "regatta: too many arguments for 'manifest'", "regatta manifest REF"],
  ])("%j: the pointer speaks of the command run (exit 2)", async (args, error, pointer) => {
    const hint = await expectPointer(args, error, pointer);
    if (args[0] === "pull") expect(hint).not.toContain("copy keeps");
    if (args[0] === "manifest" || args[0] === "config")
      expect(hint).not.toContain("is regatta manifest REF (");
    if (args[0] === "sync") expect(hint).not.toContain("regatta copy");
  });

  it("regctl's tag ls REPO points at tags, before any request", async () => {
    const got = await regatta(["tag", "ls", "127.0.0.1:1/app"]);
    expect([got.code, got.stdout, got.stderr]).toEqual([
      2,
      "",
      "regatta: regctl's tag ls is regatta tags REPO (regatta tag SOURCE TARGET adds a tag)\n",
    ]);
  });

  it("an unknown option of no peer's is as it was", async () => {
    const got = await regatta(["inspect", "--nosuch", "x"]);
    expect([got.code, got.stderr]).toEqual([2, "regatta: unknown option '--nosuch'\n"]);
  });

  it.each([
    [["--bogus"], "regatta: unknown option '--bogus'"],
    [["frobnicate"], "regatta: unknown command 'frobnicate'"],
    [["delete"], "regatta: missing required argument 'reference'"],
    [["tags", "a", "b"], "regatta: too many arguments for 'tags'. Expected 1 argument but got 2."],
    [["copy", "a", "b", "--platform"], "regatta: option '--platform <list>' argument missing"],
  ])("commander's own refusal of %j speaks as every other error, regatta: (exit 2)", async (args, first) => {
    // Was "error: unknown option …" beside every other message's "regatta: …" (QA).
    const got = await regatta(args);
    expect([got.code, got.stdout]).toEqual([2, ""]);
    expect(got.stderr.split("\n")[0]).toBe(first);
    expect(got.stderr).not.toMatch(/^error: /m);
  });
});
