import { quotePath, UsageError } from "@regatta/errors";
import { parseReference, parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { interruptSignal } from "../interrupt.js";
import { humanSize, outputFile, writeJson } from "../output.js";
import { withTransferProgress } from "../transfer-progress.js";

/** `regatta blob REPO@DIGEST` (alias `get-blob`): a blob to stdout or a file, its digest verified. */
export function registerBlob(program: Command, cli: CliContext): void {
  program
    .command("blob")
    .alias("get-blob")
    .description("write a blob to stdout or a file, verifying its digest")
    .argument("<repository>", "REPO@DIGEST, or REPO followed by DIGEST")
    .argument("[digest]", "sha256:…")
    .option(
      "-o, --output <file>",
      "write to this file (atomically: nothing is left behind on failure), or - for stdout",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  regatta blob alpine@sha256:… > layer.tar.gz\n  regatta get-blob ubuntu sha256:… -o config.json",
    )
    .action(
      async (repository: string, digest: string | undefined, opts: { output?: string }, cmd: Command) => {
        const ref =
          digest === undefined ? parseReference(repository) : parseRepository(repository).withDigest(digest);
        if (!ref.digest)
          throw new UsageError(`blob needs a digest: ${repository}@sha256:… or ${repository} sha256:…`);
        const file = outputFile(opts.output);
        cli.localFiles([file]);
        cli.writesTo(file, "-o");
        await cli.withClient(cmd, ref.registry, async (reg) => {
          const blob = reg.blob(ref.repositoryOnly(), ref.digest as string);
          if (file) {
            // No bars (one blob), but a FIFO nobody reads is said, as pull says it (transfer-progress.ts).
            const saved = await withTransferProgress(
              cli.flags(cmd),
              (onProgress) => blob.toFile(file, { ...interruptSignal(), onProgress }),
              false,
            );
            if (cli.flags(cmd).json) await writeJson(saved);
            else cli.info(`wrote ${quotePath(saved.path)} (${humanSize(saved.size)}, ${saved.digest})`);
            return;
          }
          const stream = await blob.stream(interruptSignal());
          if (process.stdout.isTTY) {
            // A layer dumped on a terminal garbles it: look at the first bytes before writing any.
            const first: Buffer | null = await new Promise((resolve, reject) => {
              stream.once("readable", () => resolve(stream.read() as Buffer | null));
              stream.once("error", reject);
            });
            if (first && isBinary(first)) {
              stream.destroy();
              throw new UsageError("refusing to write a binary blob to a terminal; use -o FILE or a pipe");
            }
            if (first) stream.unshift(first);
          }
          // Loaded here, not with the command table (issue 12).
          const { pipeline } = await import("node:stream/promises");
          await pipeline(stream, process.stdout, { end: false });
        });
      },
    );
}

/** NUL bytes or invalid UTF-8 in the first chunk: what `less` and `git` call binary. */
function isBinary(chunk: Buffer): boolean {
  if (chunk.includes(0)) return true;
  try {
    // stream mode: a multi-byte character cut at the end of the chunk is not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(chunk, { stream: true });
    return false;
  } catch {
    return true;
  }
}
