import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { escapeField, writeJson, writeStdout } from "../output.js";
import { noteSinglePlatform } from "../platform-note.js";

const ACCEPT_CHOICES = ["schema2", "list", "oci", "index", "schema1", "all"];

/** `regatta manifest REFERENCE` (alias `get-manifest`): a manifest's exact bytes, or a JSON summary. */
export function registerManifest(program: Command, cli: CliContext): void {
  program
    .command("manifest")
    .alias("get-manifest")
    .description("print a manifest's exact bytes (an index is resolved only with --platform)")
    .argument("<reference>", "image reference, e.g. alpine:3.20 or localhost:5000/app@sha256:…")
    .option(
      "--accept <types>",
      `media types to accept: ${ACCEPT_CHOICES.join("|")} or media types, comma separated`,
    )
    .option("--accept-schema2", "accept only Docker schema 2 manifests (boater's flag)")
    .option("-a, --all", "accept every manifest type (default)")
    .option("--headers", "print the response headers, then a blank line, then the body (like curl -i)")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      "\nExamples:\n  regatta manifest alpine | jq .\n  regatta manifest alpine --platform linux/arm64\n  regatta get-manifest ubuntu --accept-schema2",
    )
    .action(
      async (
        reference: string,
        opts: { accept?: string; acceptSchema2?: boolean; headers?: boolean },
        cmd: Command,
      ) => {
        await cli.withReference(cmd, reference, async (reg, ref, flags) => {
          const accept = opts.acceptSchema2
            ? ["schema2"]
            : opts.accept
              ? opts.accept.split(",").map((s) => s.trim())
              : undefined;
          const got = await reg.manifest(ref, accept ? { accept } : {});
          // A single image: the client read its config for --platform and refused one of another platform (exit 3)
          // before any byte is printed; `got.platform` is the one its config names.
          if (!got.index) noteSinglePlatform(cli, flags, ref, { kind: got.kind, platform: got.platform });
          if (flags.json) {
            await writeJson({
              reference: got.reference.toString(),
              digest: got.digest,
              mediaType: got.mediaType,
              size: got.size,
              ...(got.index
                ? {
                    index: { digest: got.index.digest, mediaType: got.index.mediaType },
                    platform: got.platform,
                  }
                : {}),
              ...(opts.headers ? { headers: got.headers } : {}),
              manifest: got.manifest,
            });
            return;
          }
          if (got.index)
            cli.info(`${ref.familiar()}: index ${got.index.digest} → ${got.platform} ${got.digest}`);
          if (opts.headers) {
            await writeStdout(
              `${Object.entries(got.headers)
                .map(([k, v]) => `${escapeField(k)}: ${escapeField(String(v))}`)
                .join("\n")}\n\n`,
            );
          }
          await writeStdout(got.bytes);
          if (process.stdout.isTTY) await writeStdout("\n");
        });
      },
    );
}
