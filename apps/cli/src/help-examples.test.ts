/**
 * Every subcommand's `--help` (issue 12): the global flags are listed, and there is at least one example of the
 * command itself. Walks the command table as built, so a command registered later is held to the same rule.
 */
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./program.js";

/** The help text of `cmd` as `regatta … cmd --help` prints it, `addHelpText` sections included. */
function helpOf(cmd: Command): string {
  const out: string[] = [];
  cmd.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
  cmd.outputHelp();
  return out.join("");
}

/**
 * The lines of an `Examples:` (or `Example:`) section that run this command by its name or an alias, after the names
 * of the commands it is under (`regatta artifact push`, not `regatta push`).
 */
function examplesOf(cmd: Command, help: string): string[] {
  const section = /^Examples?:\n((?:[ \t]+\S.*\n?)+)/m.exec(help)?.[1] ?? "";
  const parents: string[] = [];
  for (let p = cmd.parent; p?.parent; p = p.parent) parents.unshift(p.name());
  const names = [cmd.name(), ...cmd.aliases()].map((name) => ["regatta", ...parents, name].join(" "));
  return section
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => names.some((name) => line === name || line.startsWith(`${name} `)));
}

/** Every command `--help` lists, depth first: hidden ones (a completion script's helper) are nobody's to type. */
function* visibleCommands(parent: Command): Generator<Command> {
  for (const cmd of parent.createHelp().visibleCommands(parent)) {
    // commander's implicit `help` command is listed too, and is not ours.
    if (!parent.commands.includes(cmd)) continue;
    yield cmd;
    yield* visibleCommands(cmd);
  }
}

const commands = [...visibleCommands(buildProgram())];

describe("every subcommand's --help", () => {
  it("walks the whole table", () => {
    expect(commands.length).toBeGreaterThan(15);
  });

  it.each(commands.map((cmd) => [cmd.name(), cmd] as const))(
    "%s: an Examples: section running it",
    (_, cmd) => {
      expect(examplesOf(cmd, helpOf(cmd))).not.toEqual([]);
    },
  );

  it.each(commands.map((cmd) => [cmd.name(), cmd] as const))("%s: lists the global flags", (_, cmd) => {
    const help = helpOf(cmd);
    expect(help).toMatch(/^Global Options:$/m);
    for (const flag of ["-v, --verbose", "--json", "--insecure", "--timeout <duration>"])
      expect(help).toContain(flag);
  });

  it("walks only what --help lists: a hidden command is left out", () => {
    const program = buildProgram();
    program.command("secret-helper", { hidden: true });
    expect([...visibleCommands(program)].map((c) => c.name())).not.toContain("secret-helper");
    expect([...visibleCommands(program)].map((c) => c.name())).toContain("inspect");
  });

  it("the rule catches a command without examples, and one whose examples run another command", () => {
    const program = buildProgram();
    const bare = program.command("bare").description("no examples");
    const other = program.command("other").addHelpText("after", "\nExamples:\n  regatta tags alpine\n");
    expect(examplesOf(bare, helpOf(bare))).toEqual([]);
    expect(examplesOf(other, helpOf(other))).toEqual([]);
  });
});
