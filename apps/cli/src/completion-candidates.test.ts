/**
 * What `regatta __complete` decides from the command table alone: commands, flags (a command's and the global ones),
 * option values, and which words ask the registry for tags or a catalog.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { completionRequest, typedFlag } from "./completion-candidates.js";
import { buildProgram } from "./program.js";

const program = buildProgram();
const words = (...line: string[]) => {
  const request = completionRequest(program, line);
  if (request.kind !== "words") throw new Error(`expected words, got ${JSON.stringify(request)}`);
  return request.words;
};

describe("completionRequest", () => {
  it("offers every visible command (and alias) of the table, never the hidden __complete", () => {
    const all = words("");
    for (const name of ["tags", "catalog", "search", "copy", "login", "logout", "completion"]) {
      expect(all).toContain(name);
    }
    expect(all).not.toContain("__complete");
    expect(all).not.toContain("help");
    expect(words("lo")).toEqual(["login", "logout"]);
    // Global flags before the command, with their values, are stepped over.
    expect(words("-v", "--timeout", "5", "ta")).toEqual(["tags", "tag"]);
  });

  it("help TOPIC completes the commands; the --authfile typed on the line is read, either spelling", () => {
    // Was nothing: "help" is commander's implicit command, not one of the table.
    expect(words("help", "ta")).toEqual(["tags", "tag"]);
    expect(words("help", "")).toContain("inspect");
    expect(words("help", "")).not.toContain("__complete");
    expect(typedFlag(["--authfile", "s1.json", "inspect", "h/priv:"], "--authfile")).toBe("s1.json");
    expect(typedFlag(["--authfile=s2.json", "inspect", "h/priv:"], "--authfile")).toBe("s2.json");
    expect(typedFlag(["inspect", "--authfile"], "--authfile")).toBeUndefined();
  });

  it("a new command completes without any change to completion (the table is read at run time)", () => {
    const own = new Command("regatta");
    own.command("frobnicate").option("--wobble <n>");
    own.command("secret", { hidden: true });
    expect(completionRequest(own, ["fro"])).toEqual({ kind: "words", words: ["frobnicate"] });
    expect(completionRequest(own, ["frobnicate", "--w"])).toEqual({ kind: "words", words: ["--wobble"] });
    expect(completionRequest(own, ["s"])).toEqual({ kind: "words", words: [] });
  });

  it("offers a command's own flags and the global ones, long only after --, short ones after a single -", () => {
    const long = words("tags", "--");
    expect(long).toEqual(
      expect.arrayContaining(["--digests", "--page-size", "--help", "--username", "--password-stdin"]),
    );
    expect(long.every((w) => w.startsWith("--"))).toBe(true);
    expect(words("tags", "--d")).toEqual(["--digests"]);
    expect(words("tags", "-")).toEqual(expect.arrayContaining(["-n", "-u", "-p", "--digests"]));
    expect(words("login", "--auth")).toEqual(["--authfile"]);
    expect(words("--js")).toEqual(["--json"]);
  });

  it("after a flag that takes a value: --platform's usual values, otherwise nothing (the shell offers files)", () => {
    expect(words("manifest", "--platform", "linux/a")).toEqual([
      "linux/amd64",
      "linux/arm64",
      "linux/arm/v7",
    ]);
    expect(words("blob", "-o", "")).toEqual([]);
    // A value given as --flag=value takes no next word.
    expect(completionRequest(program, ["tags", "--page-size=5", "r.example/t"])).toEqual({
      kind: "catalog",
      registry: "r.example",
      prefix: "r.example/",
    });
  });

  it("commands of commands: their subcommands, then each subcommand's own flags and arguments", () => {
    expect(words("index", "")).toEqual(
      expect.arrayContaining(["create", "append", "remove", "filter", "annotate"]),
    );
    expect(words("index", "cr")).toEqual(["create"]);
    expect(words("auth", "ex")).toEqual(["explain"]);
    expect(words("artifact", "")).toEqual(expect.arrayContaining(["push", "pull"]));
    expect(words("index", "create", "--")).toEqual(expect.arrayContaining(["--annotation", "--json"]));
    expect(words("artifact", "push", "--art")).toEqual(["--artifact-type"]);
    expect(words("index", "nosuch", "")).toEqual([]);
  });

  it("an option's declared choices, after it or after --option=", () => {
    expect(words("tags", "--sort", "")).toEqual(["none", "name", "semver"]);
    expect(words("tags", "--sort=s")).toEqual(["--sort=semver"]);
    expect(words("manifest", "--platform=linux/arm6")).toEqual(["--platform=linux/arm64"]);
  });

  it("completion takes a shell", () => {
    expect(words("completion", "")).toEqual(["bash", "zsh", "fish"]);
    expect(words("completion", "bash", "")).toEqual([]);
  });

  it.each([
    [
      ["tags", "127.0.0.1:5000/team/app:"],
      { kind: "tags", repository: "127.0.0.1:5000/team/app", prefix: "127.0.0.1:5000/team/app:" },
    ],
    [
      ["manifest", "-u", "me", "localhost/app:1."],
      { kind: "tags", repository: "localhost/app", prefix: "localhost/app:" },
    ],
    [["copy", "a.io/x:1", "b.io/y:"], { kind: "tags", repository: "b.io/y", prefix: "b.io/y:" }],
    [["pull", "r.io/a:1", "r.io/b:"], { kind: "tags", repository: "r.io/b", prefix: "r.io/b:" }],
    [["inspect", "alpine:3"], { kind: "tags", repository: "alpine", prefix: "alpine:" }],
    [
      ["tags", "127.0.0.1:5000/te"],
      { kind: "catalog", registry: "127.0.0.1:5000", prefix: "127.0.0.1:5000/" },
    ],
    [["digest", "ghcr.io/"], { kind: "catalog", registry: "ghcr.io", prefix: "ghcr.io/" }],
  ])("%j asks the registry: %j", (line, expected) => {
    expect(completionRequest(program, line)).toEqual(expected);
  });

  it.each([
    [["tags", "127.0.0.1:5000"]],
    [["tags", "library/alp"]],
    [["manifest", "r.io/app@sha256:"]],
    [["login", "r.io/"]],
    [["put-blob", "r.io/app", "r.io/"]],
    [["tags", "r.io/a", "r.io/b:"]],
    [["nonsense", "r.io/a:"]],
  ])("%j asks nothing of a registry", (line) => {
    expect(completionRequest(program, line)).toEqual({ kind: "words", words: [] });
  });
});
