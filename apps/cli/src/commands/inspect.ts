import type { ImageSummary } from "@regatta/client";
import type { Command } from "commander";
import pc from "picocolors";
import type { CliContext } from "../cli-context.js";
import { formatFlag, formatterFor, writeTemplated } from "../format-flag.js";
import { platformFlag } from "../global-options.js";
import { escapeField, humanSize, summaryTables, writeJson, writeStdout } from "../output.js";
import { noteSinglePlatform } from "../platform-note.js";

/** `regatta inspect REFERENCE`: an image summarised for people (or as JSON, or through a template). */
export function registerInspect(program: Command, cli: CliContext): void {
  program
    .command("inspect")
    .description(
      "summarise an image: digest, platforms, layers and sizes, created, labels, and what it runs (cmd, entrypoint, env, user, ports)",
    )
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .addOption(formatFlag("{{json .Cmd}}"))
    .option(
      "--referrers",
      "also count the signatures, SBOMs and attestations that refer to it (OCI 1.1 referrers and cosign tags)",
    )
    .addHelpText(
      "after",
      `
Examples:
  regatta inspect alpine
  regatta inspect alpine --platform linux/arm64 --json
  regatta inspect alpine --platform linux/amd64 --format '{{json .Cmd}}'
  regatta inspect alpine --platform linux/amd64 --format '{{range .Env}}{{println .}}{{end}}'
  regatta inspect alpine:3.20 --referrers
  regatta inspect ghcr.io/org/app:latest --format '{{index .Labels "org.opencontainers.image.version"}}'

An index shows its platforms; --platform picks the image whose Cmd, Env… are shown.
The --format document is the --json one: Reference, Digest, MediaType, Platform, Created, Labels, Entrypoint, Cmd,
Env, User, WorkingDir, ExposedPorts, StopSignal, HistoryLength, Size, Layers, Platforms, and Referrers with
--referrers (field names match in any case). \`regatta referrers REF --tree\` lists the referrers.`,
    )
    .action(async (reference: string, opts: { format?: string; referrers?: boolean }, cmd: Command) => {
      const output = await formatterFor(opts.format, cli.flags(cmd));
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const s = await reg.inspect(ref, { referrers: Boolean(opts.referrers) });
        noteSinglePlatform(cli, flags, ref, s);
        if (output.kind === "json") return writeJson(s, 2);
        if (output.kind === "template") return writeTemplated(output.render, s);
        await writeStdout(humanSummary(s, Boolean(process.stdout.isTTY)));
      });
    });
}

/** A list as a Dockerfile's exec form writes it: `["nginx","-g","daemon off;"]`. */
const execForm = (list: string[]) => escapeField(JSON.stringify(list));

/** The summary for people: one `Name: value` line per fact, then the tables, the environment and the labels. */
function humanSummary(s: ImageSummary, color: boolean): string {
  const fact = (name: string, value: string | undefined) =>
    value ? [`${`${name}:`.padEnd(12)}${value}`] : [];
  const lines = [
    ...fact("Reference", s.reference),
    ...fact("Digest", s.digest),
    ...fact("Media type", s.mediaType),
    ...fact("Platform", s.platform),
    ...fact("Created", s.created),
    ...fact("Artifact", s.artifactType),
    ...fact("Subject", s.subject),
    ...fact("Size", `${humanSize(s.size)} (${s.size} bytes)`),
    ...fact("Referrers", s.referrers === undefined ? undefined : String(s.referrers)),
    ...fact("Entrypoint", s.entrypoint && execForm(s.entrypoint)),
    ...fact("Cmd", s.cmd && execForm(s.cmd)),
    ...fact("User", s.user && escapeField(s.user)),
    ...fact("WorkingDir", s.workingDir && escapeField(s.workingDir)),
    ...fact("Ports", s.exposedPorts?.map(escapeField).join(", ")),
    ...fact("StopSignal", s.stopSignal && escapeField(s.stopSignal)),
    ...fact(
      "History",
      s.historyLength === undefined
        ? undefined
        : `${s.historyLength} step${s.historyLength === 1 ? "" : "s"}`,
    ),
  ];
  for (const t of summaryTables(s, color ? pc.bold : undefined)) lines.push("", t);
  if (s.env?.length) lines.push("", "Env:", ...s.env.map((e) => `  ${escapeField(e)}`));
  if (s.labels && Object.keys(s.labels).length) {
    lines.push(
      "",
      "Labels:",
      ...Object.entries(s.labels).map(([k, v]) => `  ${escapeField(k)}=${escapeField(v)}`),
    );
  }
  return `${lines.join("\n")}\n`;
}
