import { VERSION } from "@regatta/client";
import { Command, CommanderError } from "commander";
import { type CliContext, createCliContext, describeError } from "./cli-context.js";
import { registerDiskCommands } from "./commands/disk.js";
import { registerReadCommands } from "./commands/read.js";
import { registerReplCommand } from "./commands/repl.js";
import { registerWriteCommands } from "./commands/write.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { addGlobalOptions } from "./global-options.js";
import { writeStderr } from "./output.js";

export { VERSION };

/** Builds the `regatta` program. Kept free of process.exit so tests can drive it. */
export function buildProgram(cli: CliContext = createCliContext()): Command {
  const program = addGlobalOptions(
    new Command("regatta")
      .description("A client for container registries (Docker Registry / OCI Distribution API).")
      .version(VERSION, "-V, --version")
      .showSuggestionAfterError()
      .exitOverride(),
  );
  registerReadCommands(program, cli);
  registerWriteCommands(program, cli);
  registerDiskCommands(program, cli);
  registerReplCommand(program, cli);
  program.addHelpText(
    "after",
    `
Examples:
  regatta tags alpine
  regatta manifest localhost:5000/team/api:1.0 | jq .
  regatta inspect ghcr.io/org/app:latest --platform linux/arm64
  regatta blob alpine@sha256:… -o layer.tar.gz

Exit status: 0 ok, 1 error, 2 bad usage or input, 3 not found, 4 authentication or permission, 5 unreachable or timeout.`,
  );
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit status. Errors are printed as one line on stderr (more with -v). */
export async function run(argv: string[]): Promise<number> {
  const cli = createCliContext();
  const program = buildProgram(cli);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" that exit 0; commander already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const verbose = argv.includes("-v") || argv.includes("--verbose");
    writeStderr(`regatta: ${describeError(error, verbose, cli.sides)}\n`);
    return exitCodeFor(error);
  }
}
