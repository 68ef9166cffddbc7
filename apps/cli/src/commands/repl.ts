import { homedir } from "node:os";
import { join } from "node:path";
import { RegattaError, UsageError } from "@regatta/errors";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { connectOptions, platformFlag } from "../global-options.js";

/** `regatta repl [REGISTRY]`: the interactive console of @regatta/repl, with the global auth and TLS flags. */
export function registerRepl(program: Command, cli: CliContext): void {
  program
    .command("repl")
    .description(
      "an interactive console: reg is a client for REGISTRY (default Docker Hub, contacted on first use)",
    )
    .argument("[registry]", "host[:port] or URL, e.g. localhost:5000 or https://ghcr.io")
    .addOption(platformFlag())
    .option(
      "--history-file <file>",
      "where the history is kept (default $REGATTA_REPL_HISTORY, else ~/.regatta_repl_history; empty: none)",
    )
    .addHelpText(
      "after",
      '\nExamples:\n  regatta repl localhost:5000\n  regatta repl ghcr.io          # docker config credentials, or .login inside\n\nInside: await reg.tags("team/api"), help(), .help',
    )
    .action(async (registry: string | undefined, opts: { historyFile?: string }, cmd: Command) => {
      const flags = cli.flags(cmd);
      if (flags.passwordStdin) {
        throw new UsageError(
          "--password-stdin does not go with repl (stdin is the console); use .login inside",
        );
      }
      // The REPL prints the HTTP log itself, switched by -v and `.verbose on|off`.
      const { logger: _, ...options } = connectOptions(flags, () => {}, registry);
      const historyFile =
        opts.historyFile ?? process.env.REGATTA_REPL_HISTORY ?? join(homedir(), ".regatta_repl_history");
      // Loaded on demand: every other command starts faster without the REPL and its completion machinery.
      const { startRepl } = await import("@regatta/repl");
      const running = await startRepl({
        ...(registry !== undefined ? { registry } : {}),
        options,
        // The one meaning of --platform: the image of an index every call means (client.with({ platform })).
        ...(flags.platform ? { platform: flags.platform } : {}),
        ...(historyFile ? { historyFile } : {}),
        verbose: Boolean(flags.verbose),
      });
      await running.closed;
      // A script piped in (no terminal) that had a failing line ends with status 1, as `python -i` or `psql -f` with
      // ON_ERROR_STOP do; each failure was printed where it happened.
      if (running.failures > 0 && !process.stdin.isTTY) {
        throw new RegattaError(
          `${running.failures} line${running.failures === 1 ? "" : "s"} of the script failed (shown above)`,
          { code: "SCRIPT_FAILED" },
        );
      }
    });
}
