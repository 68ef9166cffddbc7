import { quotePath } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import { artifactFiles, collectAnnotation, reportPushedArtifact } from "../artifact-files.js";
import type { CliContext } from "../cli-context.js";
import { countNoun, escapeField, writeJson, writeStdout } from "../output.js";

interface PushFlags {
  artifactType: string;
  subject?: string;
  annotation?: Record<string, string>;
}

/** `regatta artifact push|pull`: files as an OCI 1.1 artifact, as `oras push` / `oras pull` (referrers/ in the client). */
export function registerArtifact(program: Command, cli: CliContext): void {
  const artifact = program
    .command("artifact")
    .description("push files as an OCI artifact, or pull an artifact's files")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta artifact push localhost:5000/team/docs:1.0 README.md --artifact-type application/vnd.example.docs\n  regatta artifact pull localhost:5000/team/docs:1.0 -o ./docs",
    );
  artifact
    .command("push")
    .description(
      "push files as an artifact: one layer per file (titled by its name), the empty config, an artifactType",
    )
    .argument("<reference>", "where to push: a tag, or a repository alone to push by digest")
    .argument(
      "<files...>",
      "FILE, DIR or either :MEDIA_TYPE (default application/octet-stream; a directory: a tar+gzip layer)",
    )
    .requiredOption("--artifact-type <type>", "the artifact's type, e.g. application/spdx+json")
    .option("--subject <reference>", "a manifest of the same repository this artifact refers to")
    .option("--annotation <key=value>", "a manifest annotation (repeatable)", collectAnnotation)
    .addHelpText(
      "after",
      "\nEach file is titled by its path as given (conf/app.yaml; an absolute path or one with .. by its base name), as" +
        "\noras titles it. A directory is one layer as oras makes it: a gzipped tar of it, unpacked again by" +
        "\n`artifact pull` and `oras pull`." +
        "\n\nWith --subject on a registry without the referrers API, the subject's sha256-<hex> fallback tag index is" +
        "\nupdated too (read again and retried if another writer changed it). Prints the artifact's digest." +
        "\n\nExamples:\n  regatta artifact push localhost:5000/team/docs:1.0 README.md guide.pdf:application/pdf --artifact-type application/vnd.example.docs" +
        "\n  regatta artifact push localhost:5000/team/api sbom.json:application/spdx+json --artifact-type application/spdx+json --subject localhost:5000/team/api:1.0",
    )
    .action(async (reference: string, files: string[], opts: PushFlags, cmd: Command) => {
      // A repository alone pushes by digest: no `latest` is implied.
      const ref = parseReference(reference, { defaultTag: false });
      await cli.withClient(cmd, ref.registry, async (reg, flags) => {
        const pushed = await reg.pushArtifact(ref, {
          artifactType: opts.artifactType,
          files: artifactFiles(files),
          ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
          ...(opts.annotation ? { annotations: opts.annotation } : {}),
        });
        await reportPushedArtifact(cli, flags, pushed, {
          reference: pushed.reference.toString(),
          digest: pushed.digest,
          mediaType: pushed.mediaType,
          size: pushed.size,
        });
      });
    });
  artifact
    .command("pull")
    .description("write an artifact's files into a directory, by their titles, each verified")
    .argument("<reference>", "the artifact, by tag or digest")
    .requiredOption("-o, --output <dir>", "the directory to write into (created if missing)")
    .addHelpText(
      "after",
      "\nA title may be a file name or a relative path (conf/app.yaml), written under the directory; one that is absolute" +
        "\nor has `..` is refused before anything is written, as is a symbolic link on the way. A directory layer (oras's" +
        "\nunpack annotation) is unpacked with the same care and its tar's digest checked. Everything is staged beside" +
        "\nits path and renamed into place at the end: a file or directory already there is replaced, never written" +
        "\nthrough. Layers without a title are skipped." +
        "\n\nExamples:\n  regatta artifact pull localhost:5000/team/docs:1.0 -o ./docs\n  regatta artifact pull localhost:5000/team/api@sha256:… -o ./sbom --json",
    )
    .action(async (reference: string, opts: { output: string }, cmd: Command) => {
      cli.writesTo(opts.output, "-o", "directory");
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const pulled = await reg.pullArtifact(ref, opts.output);
        if (flags.json) {
          await writeJson({
            reference: pulled.reference.toString(),
            digest: pulled.digest,
            ...(pulled.artifactType !== undefined ? { artifactType: pulled.artifactType } : {}),
            files: pulled.files,
            untitled: pulled.untitled.length,
          });
          return;
        }
        if (pulled.untitled.length > 0)
          cli.info(`skipped ${pulled.untitled.length} layer(s) without a title`);
        for (const f of pulled.files) {
          if (f.skipped)
            cli.info(
              `${escapeField(f.title)}: skipped ${countNoun(f.skipped.length, "entry", "entries")} (devices, FIFOs)`,
            );
        }
        // One written path a line, named by the registry (title annotations): quoted as every local path is, so an
        // ESC or a newline in a title can neither colour the terminal nor forge a line a script reads.
        await writeStdout(
          pulled.files.map((f) => `${quotePath(f.path)}${f.kind === "directory" ? "/" : ""}\n`).join(""),
        );
      });
    });
}
