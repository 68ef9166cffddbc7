import { type ConnectOptions, createClient, RegattaError, type RegistryClient } from "@regatta/client";
import type { Command } from "commander";
import pc from "picocolors";
import { connectOptions, type GlobalFlags } from "./global-options.js";

/** What commands share: the flags, the stderr channel and the way a client is opened and closed. */
export interface CliContext {
  flags(cmd: Command): GlobalFlags;
  /** A message for people, on stderr (stdout is for data). Silent with --json. */
  info(message: string): void;
  /**
   * Opens a client for `registry` with the global flags (and `extra` options on top, e.g. credentials for other
   * registries), runs `fn`, and always closes the client.
   */
  withClient<T>(
    cmd: Command,
    registry: string,
    fn: (reg: RegistryClient) => Promise<T>,
    extra?: ConnectOptions,
  ): Promise<T>;
}

export function createCliContext(): CliContext {
  let jsonMode = false;
  const ctx: CliContext = {
    flags(cmd) {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      jsonMode = Boolean(flags.json);
      return flags;
    },
    info(message) {
      if (!jsonMode) process.stderr.write(`${message}\n`);
    },
    async withClient(cmd, registry, fn, extra) {
      const flags = ctx.flags(cmd);
      const color = Boolean(process.stderr.isTTY);
      const log = (line: string) => process.stderr.write(`${color ? pc.dim(line) : line}\n`);
      const reg = createClient(registry, { ...connectOptions(flags, log), ...extra });
      try {
        return await fn(reg);
      } finally {
        await reg.close();
      }
    },
  };
  return ctx;
}

/** One line for people; with -v, the code, status, request and causes too. */
export function describeError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return String(error);
  const lines = [error.message];
  if (verbose) {
    if (error instanceof RegattaError) {
      lines.push(`  code: ${error.code}${error.status !== undefined ? `, status: ${error.status}` : ""}`);
      if (error.request) lines.push(`  request: ${error.request.method} ${error.request.url}`);
      for (const e of error.errors)
        lines.push(`  registry error: ${e.code}${e.message ? `: ${e.message}` : ""}`);
    }
    let cause = (error as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      lines.push(`  caused by: ${cause.message}`);
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return lines.join("\n");
}
