import { InvalidManifestError, quotePath, UsageError } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { writeJson, writeStdout } from "../output.js";

/** `regatta put-manifest REFERENCE FILE`: a manifest file pushed byte for byte. */
export function registerPutManifest(program: Command, cli: CliContext): void {
  program
    .command("put-manifest")
    .description("push a manifest file as it is (its digest is the digest of the file) and print the digest")
    .argument("<reference>", "where to push: REPO[:TAG] (default tag latest) or REPO@DIGEST")
    .argument("<file>", "the manifest; - for stdin")
    .option("--content-type <type>", "the media type to send (default: the manifest's mediaType)")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta put-manifest localhost:5000/my/repo:1.0 ./manifest.json\n  regatta manifest alpine | regatta put-manifest localhost:5000/alpine:copy -",
    )
    .action(async (reference: string, file: string, opts: { contentType?: string }, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      const { readSmallFile, readStdin } = await import("../local-files.js");
      // The one manifest cap (@regatta/manifest's, through the client, which this command loads anyway): what
      // registries accept, so a larger file is refused before any request.
      const { MAX_MANIFEST_BYTES } = await import("@regatta/client");
      const bytes =
        file === "-" ? await readStdin(MAX_MANIFEST_BYTES) : await readSmallFile(file, MAX_MANIFEST_BYTES);
      cli.localFiles([file]);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const pushed = await reg
          .putManifest(ref, bytes, opts.contentType ? { mediaType: opts.contentType } : {})
          .catch((error: unknown) => {
            // The client checks the bytes before any request: a file that is no manifest is bad input (exit 2), as a
            // push of an archive that is no image is, named.
            if (!(error instanceof InvalidManifestError)) throw error;
            throw new UsageError(`${file === "-" ? "stdin" : quotePath(file)}: ${error.message}`, {
              cause: error,
            });
          });
        if (flags.json) {
          await writeJson({
            reference: pushed.reference.toString(),
            digest: pushed.digest,
            mediaType: pushed.mediaType,
            size: pushed.size,
          });
        } else {
          await writeStdout(`${pushed.digest}\n`);
        }
      });
    });
}
