import { parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { parseSize } from "../flag-values.js";
import { interruptSignal } from "../interrupt.js";
import { writeJson, writeStdout } from "../output.js";
import { withTransferProgress } from "../transfer-progress.js";

/** `regatta put-blob REPOSITORY FILE`: a file or stdin uploaded as a blob. */
export function registerPutBlob(program: Command, cli: CliContext): void {
  program
    .command("put-blob")
    .description("upload a file as a blob and print its digest (nothing is sent when the registry has it)")
    .argument("<repository>", "e.g. localhost:5000/team/api")
    .argument("<file>", "the blob's content; - for stdin")
    .option("--digest <digest>", "the digest the content must have (checked before anything is sent)")
    .option("--chunk-size <size>", "upload in chunks of this size (e.g. 8MiB) instead of one request")
    .option(
      "--mount-from <repository>",
      "mount the blob from this repository of the same registry if it has it",
    )
    .option("--force", "upload even when the registry has the blob")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta put-blob localhost:5000/my/repo ./layer.tar.gz\n  regatta get-blob alpine sha256:… | regatta put-blob localhost:5000/alpine -",
    )
    .action(
      async (
        repository: string,
        file: string,
        opts: { digest?: string; chunkSize?: string; mountFrom?: string; force?: boolean },
        cmd: Command,
      ) => {
        const repo = parseRepository(repository);
        const flags = cli.flags(cmd);
        const chunkSize =
          opts.chunkSize === undefined ? undefined : parseSize(opts.chunkSize, "--chunk-size");
        // A file goes to the client as a path: it hashes it (streaming) so the registry can be asked first, and
        // refuses a --digest the content does not have before sending anything.
        const source = file === "-" ? process.stdin : { path: file };
        cli.localFiles([file]);
        await cli.withClient(cmd, repo.registry, async (reg) => {
          // A bar needs a size: a file has one, stdin does not.
          const pushed = await withTransferProgress(
            flags,
            (onProgress) =>
              reg.pushBlob(repo, source, {
                ...(opts.digest ? { digest: opts.digest } : {}),
                ...(chunkSize !== undefined ? { chunkSize } : {}),
                ...(opts.mountFrom ? { mountFrom: parseRepository(opts.mountFrom) } : {}),
                ...(opts.force ? { force: true } : {}),
                ...interruptSignal("uploads"),
                onProgress,
              }),
            file !== "-",
          );
          if (flags.json) {
            await writeJson(pushed);
            return;
          }
          if (pushed.skipped) cli.info(`${repo.name} has ${pushed.digest} already: nothing sent`);
          else if (pushed.mounted) cli.info(`mounted ${pushed.digest} into ${repo.name}`);
          await writeStdout(`${pushed.digest}\n`);
        });
      },
    );
}
