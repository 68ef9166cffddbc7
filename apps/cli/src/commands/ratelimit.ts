import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { interruptSignal } from "../interrupt.js";
import { writeJson, writeStdout } from "../output.js";

/**
 * `regatta ratelimit REFERENCE`: the pull quota the registry announces (Docker Hub's RateLimit-Limit and
 * RateLimit-Remaining), read with a HEAD, which Docker Hub does not count as a pull; as `regctl image ratelimit`.
 */
export function registerRatelimit(program: Command, cli: CliContext): void {
  program
    .command("ratelimit")
    .description(
      "show the registry's pull quota for an image (limit, remaining, window); the HEAD used is free",
    )
    .argument("<reference>", "image reference, e.g. alpine or docker.io/library/alpine:3.20")
    .addHelpText(
      "after",
      `
Docker Hub counts manifest GETs (pulls) per window; a HEAD does not count, so asking costs nothing. A registry
that announces no quota is said to; --json gives {"set": false} then. A quota already used up is reported from
the 429 Too Many Requests answer's own headers (exit 0, "exhausted": true in --json).

Examples:
  regatta ratelimit alpine
  regatta ratelimit alpine --json`,
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const info = await reg.rateLimit(ref, interruptSignal());
        if (flags.json) {
          await writeJson({
            registry: ref.registry,
            reference: ref.toString(),
            set: info !== undefined,
            ...(info ?? {}),
          });
          return;
        }
        if (!info) {
          await writeStdout(`${ref.registry} announces no pull quota (no RateLimit headers)\n`);
          return;
        }
        const window = info.window !== undefined ? ` per ${info.window} s (${hours(info.window)})` : "";
        const lines = [
          `limit: ${info.limit ?? "?"}${window}`,
          `remaining: ${info.remaining ?? "?"}`,
          ...(info.source ? [`counted against: ${info.source}`] : []),
          ...(info.exhausted
            ? ["the registry refused the request (429 Too Many Requests): the quota is used up"]
            : []),
        ];
        await writeStdout(`${lines.join("\n")}\n`);
      });
    });
}

/** 21600 → `6 h`, 90 → `1.5 min`. */
function hours(seconds: number): string {
  if (seconds >= 3600) return `${+(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${+(seconds / 60).toFixed(1)} min`;
  return `${seconds} s`;
}
