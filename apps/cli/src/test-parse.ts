/**
 * Test helper (excluded from the build): the `regatta` command tree, and a parse of a command line with every action
 * replaced, so commander's parsing runs and nothing else does.
 */
import type { Command } from "commander";
import type { GlobalFlags } from "./global-options.js";
import { buildProgram } from "./program.js";

/** Every command under `cmd` (depth first) with the options of the commands above it. */
export function* commandsWithAncestors(
  cmd: Command,
  above: Command["options"] = [],
): Generator<[Command, Command["options"]]> {
  for (const sub of cmd.commands) {
    yield [sub, above.concat(cmd.options)];
    yield* commandsWithAncestors(sub, above.concat(cmd.options));
  }
}

/**
 * Parses `argv` (without `node regatta`) as `regatta` would, without running the command. Resolves with the
 * command's name and its options merged with the global ones; throws commander's error for a bad command line.
 */
export function parseOnly(argv: string[]): { command: string; flags: GlobalFlags } {
  const program = buildProgram();
  let ran: { command: string; flags: GlobalFlags } | undefined;
  const quiet = { writeErr: () => {}, writeOut: () => {} };
  program.configureOutput(quiet);
  for (const [cmd] of commandsWithAncestors(program)) {
    cmd.configureOutput(quiet);
    cmd.action((...args: unknown[]) => {
      const self = args.at(-1) as Command;
      ran = { command: self.name(), flags: self.optsWithGlobals<GlobalFlags>() };
    });
  }
  program.parse(["node", "regatta", ...argv]);
  if (!ran) throw new Error(`no command ran for: regatta ${argv.join(" ")}`);
  return ran;
}
