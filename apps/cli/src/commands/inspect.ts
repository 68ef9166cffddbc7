import type { ImageSummary, PlatformSummary } from "@regatta/client";
import type { Command } from "commander";
import pc from "picocolors";
import type { CliContext } from "../cli-context.js";
import { formatFlag, formatterFor, writeTemplated } from "../format-flag.js";
import { platformFlag } from "../global-options.js";
import {
  envLines,
  escapeField,
  humanSize,
  labelLines,
  runtimeFacts,
  summaryTables,
  writeJson,
  writeStdout,
} from "../output.js";
import { noteSinglePlatform } from "../platform-note.js";
import { INSPECT_SHAPE } from "../template-shapes.js";

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

An index shows its platforms; --platform picks the image whose Cmd, Env… are shown. --format reads an image: on an
index without --platform, this host's (as skopeo inspect does; a note on stderr says which); --json shows the index.
The --format document is the --json one: Reference, Digest, MediaType, Platform, Index, Created, DockerVersion, Labels, Entrypoint,
Cmd, Env, User, WorkingDir, ExposedPorts, Volumes, StopSignal, HistoryLength, Size, Layers, and Referrers with
--referrers (field names match in any case); Config holds the runtime fields again, as docker's {{.Config.Env}}.
{{.Digest}} is skopeo's: the digest of what the reference names (the index, when it is one); {{.digest}} is the
image read, {{.Index}} its index, {{.Platforms}} the index's platforms (without --platform); {{.RepoTags}} lists the
repository's tags, as skopeo's (read only when named). A field the document cannot have ({{.Digset}}) is an error
(exit 2) naming those it can. \`regatta referrers REF --tree\` lists the referrers.`,
    )
    .action(async (reference: string, opts: { format?: string; referrers?: boolean }, cmd: Command) => {
      const output = await formatterFor(opts.format, cli.flags(cmd));
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        let s = await reg.inspect(ref, { referrers: Boolean(opts.referrers) });
        const platforms = s.platforms;
        if (output.kind === "template" && platforms !== undefined && !flags.platform) {
          // A template reads an image's fields (Labels, Cmd, Env…), which an index has none of: this host's image,
          // as skopeo inspect reads it, said on stderr. --json keeps the index itself.
          s = await reg.inspect(ref, { referrers: Boolean(opts.referrers), platform: reg.ctx.platform });
          cli.info(
            `${ref.familiar()} is an index: --format reads its ${s.platform} image (this host's); --platform chooses`,
          );
        }
        noteSinglePlatform(cli, flags, ref, s);
        if (output.kind === "json") return writeJson(s, 2);
        if (output.kind === "template") {
          // skopeo's RepoTags: the repository's tags, a request or more, read only when the template names them.
          const repoTags = output.template.reads("RepoTags") ? await reg.allTags(ref) : undefined;
          const document = templateDocument(s, ref.name, { platforms, repoTags });
          return writeTemplated(output.template, document, INSPECT_SHAPE);
        }
        await writeStdout(humanSummary(s, Boolean(process.stdout.isTTY)));
      });
    });
}

/**
 * The document a template reads: the --json one, with skopeo inspect's own names beside it (`Name`, `Digest`,
 * `Architecture`, `Os`, `Variant`, `Layers` as digests, `LayersData`), so a `skopeo inspect --format` line works
 * unchanged. skopeo's `Digest` is the manifest the reference names — the index, when it names one, whichever
 * platform the other fields read (skopeo 1.9, with and without --override-arch) — so a pinned `{{.Digest}}` stays
 * multi-platform; the image read keeps its digest under the --json name `digest` (an exact key wins). And its
 * `config` (the config blob's digest and size) holding the runtime fields again under the names the image config and
 * `docker image inspect` give them, so docker's `{{.Config.Env}}` reads what skopeo's `{{.Env}}` does.
 * skopeo's: https://github.com/containers/image/blob/main/types/types.go (ImageInspectInfo).
 */
function templateDocument(
  s: ImageSummary,
  name: string,
  more: { platforms: PlatformSummary[] | undefined; repoTags: string[] | undefined },
): object {
  const [os, architecture, variant] = s.platform?.split("/") ?? [];
  const skopeo = Object.entries({
    Name: name,
    Digest: s.index ?? s.digest,
    RepoTags: more.repoTags,
    Architecture: architecture,
    Os: os,
    Variant: variant,
    Layers: s.layers?.map((layer) => layer.digest),
    LayersData: s.layers?.map((layer) => ({
      MIMEType: layer.mediaType,
      Digest: layer.digest,
      Size: layer.size,
    })),
    // The index's platforms, when the reference names one (the other fields read one of its images).
    Platforms: more.platforms,
  }).filter(([, value]) => value !== undefined);
  const document = { ...s, ...Object.fromEntries(skopeo) };
  if (!s.config) return document;
  const runtime = Object.entries({
    Entrypoint: s.entrypoint,
    Cmd: s.cmd,
    Env: s.env,
    User: s.user,
    WorkingDir: s.workingDir,
    ExposedPorts: s.exposedPorts,
    Volumes: s.volumes,
    StopSignal: s.stopSignal,
    Labels: s.labels,
  }).filter(([, value]) => value !== undefined);
  return { ...document, config: { ...s.config, ...Object.fromEntries(runtime) } };
}

/**
 * The summary for people: one `Name: value` line per fact, then the tables, the environment and the labels. Every
 * value a registry or an image's author chose is escaped to stay on its line (a platform's newline forged a line);
 * what the image runs, its Env and labels come as the REPL's `reg.inspect` shows them (@regatta/present).
 */
function humanSummary(s: ImageSummary, color: boolean): string {
  const fact = (name: string, value: string | undefined) =>
    value ? [`${`${name}:`.padEnd(12)}${value}`] : [];
  const field = (name: string, value: string | undefined) => fact(name, value && escapeField(value));
  const lines = [
    ...field("Reference", s.reference),
    ...field("Digest", s.digest),
    ...field("Media type", s.mediaType),
    ...field("Platform", s.platform),
    ...field("Index", s.index),
    ...field("Created", s.created),
    ...field("Artifact", s.artifactType),
    ...field("Subject", s.subject),
    ...fact("Size", `${humanSize(s.size)} (${s.size} bytes)`),
    ...fact("Referrers", s.referrers === undefined ? undefined : String(s.referrers)),
    ...runtimeFacts(s).flatMap(([name, value]) => fact(name, value)),
  ];
  for (const t of summaryTables(s, color ? pc.bold : undefined)) lines.push("", t);
  const env = envLines(s);
  if (env.length) lines.push("", "Env:", ...env);
  const labels = labelLines(s);
  if (labels.length) lines.push("", "Labels:", ...labels);
  return `${lines.join("\n")}\n`;
}
