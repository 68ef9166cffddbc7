import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { formatFlag, formatterFor, writeTemplated } from "../format-flag.js";
import { platformFlag } from "../global-options.js";
import { writeStdout } from "../output.js";
import { noteSinglePlatform } from "../platform-note.js";
import { CONFIG_SHAPE } from "../template-shapes.js";

/** `regatta config REFERENCE`: an image's config blob (its exact bytes, or through a template). */
export function registerConfig(program: Command, cli: CliContext): void {
  program
    .command("config")
    .description("print an image's config blob (resolving an index for --platform or this host)")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .addOption(formatFlag("{{.Config.Env}}"))
    .addHelpText(
      "after",
      `
Examples:
  regatta config alpine | jq .config.Env
  regatta config alpine --platform linux/arm64
  regatta config alpine --format '{{.Architecture}}'
  regatta config alpine --format '{{range .Config.Env}}{{println .}}{{end}}'

The --format document is the config as stored (OCI image config: architecture, os, config.Env, config.Cmd,
config.Labels, history…); field names match in any case, so docker's {{.Config.Env}} works. A field the config
has not and may not have ({{.Nope}}) is an error (exit 2) naming those it may have.

Without --format (and with --json, the same) it prints the exact bytes, as \`regatta manifest\` does and crane config
and regctl image config do: their digest is the config's, so nothing is masked, and a secret baked into the image (in
an Env, a Cmd, a history line) shows. --format, inspect and diff mask secrets this session knows.`,
    )
    .action(async (reference: string, opts: { format?: string }, cmd: Command) => {
      const output = await formatterFor(opts.format, cli.flags(cmd));
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const got = await reg.config(ref);
        noteSinglePlatform(cli, flags, ref, got);
        if (output.kind === "template") return writeTemplated(output.template, got.config, CONFIG_SHAPE);
        // The exact bytes, as the registry stores them (their digest is the config's), with --json as without: like
        // `manifest`, crane config and regctl image config, not masked (docs/security.md, Limits of Secrets).
        await writeStdout(got.bytes);
        if (process.stdout.isTTY) await writeStdout("\n");
      });
    });
}
