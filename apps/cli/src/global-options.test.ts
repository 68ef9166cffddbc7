import { createClient } from "@regatta/client";
import type { Option } from "commander";
import { describe, expect, it } from "vitest";
import { connectOptions, type GlobalFlags, platformFlag } from "./global-options.js";
import { buildProgram } from "./program.js";
import { commandsWithAncestors, parseOnly } from "./test-parse.js";

/** The names an option answers to on the command line and in `optsWithGlobals()`. */
const names = (o: Option) =>
  [o.long, o.short, `attribute:${o.attributeName()}`].filter((n): n is string => Boolean(n));

describe("global options and the commands' own options", () => {
  it("no command defines an option that a global (or a parent's) option would take first", () => {
    // commander lets a program option be recognised after the subcommand too, so a command's own option of the
    // same flag or attribute never reaches it: `copy --platform a,b` was parsed as the global single platform.
    const collisions: string[] = [];
    const program = buildProgram();
    for (const [cmd, above] of commandsWithAncestors(program)) {
      const taken = new Map(above.flatMap((o) => names(o).map((n) => [n, o.flags] as const)));
      for (const own of cmd.options) {
        for (const name of names(own)) {
          const global = taken.get(name);
          if (global) collisions.push(`${cmd.name()} ${own.flags} ~ ${global}`);
        }
      }
    }
    expect(collisions).toEqual([]);
    expect([...commandsWithAncestors(program)].length).toBeGreaterThan(15);
  });

  it("connectOptions reads only global options: a command's own option is never turned into a client setting", () => {
    const program = buildProgram();
    const globals = new Set(program.options.map((o) => o.attributeName()));
    const read = new Set<string>();
    const flags = new Proxy({} as GlobalFlags, {
      get(_, key) {
        if (typeof key === "string") read.add(key);
        return undefined;
      },
    });
    connectOptions(flags, () => {});
    expect([...read].filter((key) => !globals.has(key))).toEqual([]);
  });

  it.each([
    ["copy", "a:1", "localhost:5000/b", "--platform", "linux/amd64,linux/arm64"],
    ["copy", "--platform", "linux/amd64,linux/arm64/v8", "a:1", "localhost:5000/b", "-v"],
    ["manifest", "alpine", "--platform", "linux/arm64"],
    ["pull", "alpine", "out.tar", "--platform", "linux/arm/v7", "--json"],
  ])("%s %s … parses, and its options make a client (nothing is sent)", async (...argv) => {
    const { flags } = parseOnly(argv);
    // copy's list of platforms to keep is read as `platforms`: only the one platform of the others reaches the
    // client (as client.with({ platform })).
    const [one, list] = argv[0] === "copy" ? ["platforms", "platform"] : ["platform", "platforms"];
    const read = flags as Record<string, unknown>;
    expect(read[one]).toBe(argv[argv.indexOf("--platform") + 1]);
    expect(read[list]).toBeUndefined();
    const reg = createClient(
      "localhost:5000",
      connectOptions(flags, () => {}),
    );
    await reg.close();
  });
});

describe("--platform of the commands that take one", () => {
  it("refuses a list with a word on copy's list and pull --all-platforms, not the platform grammar's", () => {
    const option = platformFlag();
    expect(option.parseArg?.("linux/arm64", undefined)).toBe("linux/arm64");
    expect(() => option.parseArg?.("linux/amd64,linux/arm64", undefined)).toThrow(
      /--platform takes one platform here .* copy takes a list, and pull --all-platforms keeps them all/,
    );
  });
});
