import type { Command } from "commander";
import pc from "picocolors";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { escapeField, humanSize, summaryTables, writeJson, writeStdout } from "../output.js";

/** `regatta inspect REFERENCE`: an image summarised for people (or as JSON). */
export function registerInspect(program: Command, cli: CliContext): void {
  program
    .command("inspect")
    .description("summarise an image: digest, media type, platforms, layers and sizes, created, labels")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      "\nExamples:\n  regatta inspect alpine\n  regatta inspect alpine --platform linux/arm64 --json",
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const s = await reg.inspect(ref);
        if (flags.json) {
          await writeJson(s, 2);
          return;
        }
        const color = Boolean(process.stdout.isTTY);
        const lines = [
          `Reference:  ${s.reference}`,
          `Digest:     ${s.digest}`,
          `Media type: ${s.mediaType}`,
          ...(s.platform ? [`Platform:   ${s.platform}`] : []),
          ...(s.created ? [`Created:    ${s.created}`] : []),
          ...(s.artifactType ? [`Artifact:   ${s.artifactType}`] : []),
          ...(s.subject ? [`Subject:    ${s.subject}`] : []),
          `Size:       ${humanSize(s.size)} (${s.size} bytes)`,
        ];
        for (const t of summaryTables(s, color ? pc.bold : undefined)) lines.push("", t);
        if (s.labels && Object.keys(s.labels).length) {
          lines.push(
            "",
            "Labels:",
            ...Object.entries(s.labels).map(([k, v]) => `  ${escapeField(k)}=${escapeField(v)}`),
          );
        }
        await writeStdout(`${lines.join("\n")}\n`);
      });
    });
}
