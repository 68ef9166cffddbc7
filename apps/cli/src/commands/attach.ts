import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import { artifactFiles, collectAnnotation, reportPushedArtifact } from "../artifact-files.js";
import type { CliContext } from "../cli-context.js";

/**
 * `regatta attach REF --artifact-type T FILE...`: `artifact push` into REF's repository, untagged, with REF as its
 * subject (as `oras attach`).
 */
export function registerAttach(program: Command, cli: CliContext): void {
  program
    .command("attach")
    .description(
      "attach files to an image as a referrer (an artifact whose subject is the image), as oras attach",
    )
    .argument("<reference>", "the image to attach to, by tag or digest")
    .argument(
      "<files...>",
      "FILE, DIR or either :MEDIA_TYPE (default application/octet-stream; a directory: a tar+gzip layer)",
    )
    .requiredOption("--artifact-type <type>", "the artifact's type, e.g. application/spdx+json")
    .option("--annotation <key=value>", "a manifest annotation (repeatable)", collectAnnotation)
    .addHelpText(
      "after",
      "\nThe artifact is pushed by digest into the image's repository. On a registry without the referrers API the" +
        "\nimage's sha256-<hex> fallback tag index is updated, keeping every referrer already listed. Prints its digest." +
        "\n\nExamples:\n  regatta attach localhost:5000/team/api:1.0 --artifact-type application/spdx+json sbom.json:application/spdx+json" +
        "\n  regatta attach localhost:5000/team/api:1.0 --artifact-type application/vnd.example.sig app.sig --annotation signer=ci",
    )
    .action(
      async (
        reference: string,
        files: string[],
        opts: { artifactType: string; annotation?: Record<string, string> },
        cmd: Command,
      ) => {
        const subject = parseReference(reference);
        await cli.withClient(cmd, subject.registry, async (reg, flags) => {
          const pushed = await reg.pushArtifact(subject.repositoryOnly().name, {
            artifactType: opts.artifactType,
            files: artifactFiles(files),
            subject,
            ...(opts.annotation ? { annotations: opts.annotation } : {}),
          });
          await reportPushedArtifact(cli, flags, pushed, {
            subject: subject.toString(),
            digest: pushed.digest,
            reference: pushed.reference.toString(),
          });
        });
      },
    );
}
