import type { TransferEvent } from "@regatta/client";
import { quotePath, SizeMismatchError, UsageError } from "@regatta/errors";
import { parseReference, parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { parseSize } from "../flag-values.js";
import { interruptSignal } from "../interrupt.js";
import { humanSize, outputFile, writeJson, writeStderr } from "../output.js";
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
    .option(
      "--max-size <size>",
      "read at most this much (512MiB, 2G, bytes) of a blob the registry gives no size for; refuse a larger one",
    )
    .addHelpText(
      "after",
      [
        "",
        "A blob is cut off as soon as its body runs past the size the registry gave (its Content-Length, or its",
        "HEAD's). A registry that gives none is read until the body ends, as crane and skopeo do; --max-size bounds",
        "that (the partial file is removed, exit 1). No limit by default: it would refuse legitimate large layers.",
        "",
        "Examples:",
        "  regatta blob alpine@sha256:… > layer.tar.gz",
        "  regatta get-blob ubuntu sha256:… -o config.json",
        "  regatta blob ghcr.io/org/app@sha256:… --max-size 2G -o layer.tar.gz",
      ].join("\n"),
    )
    .action(
      async (
        repository: string,
        digest: string | undefined,
        opts: { output?: string; maxSize?: string },
        cmd: Command,
      ) => {
        const ref =
          digest === undefined ? parseReference(repository) : parseRepository(repository).withDigest(digest);
        if (!ref.digest)
          throw new UsageError(`blob needs a digest: ${repository}@sha256:… or ${repository} sha256:…`);
        const maxSize = opts.maxSize === undefined ? undefined : parseSize(opts.maxSize, "--max-size");
        const file = outputFile(opts.output);
        cli.localFiles([file]);
        cli.writesTo(file, "-o");
        const flags = cli.flags(cmd);
        // Without --max-size, a blob of no known size is read until it ends: said once, to a person watching (a
        // terminal) or asking (-v); a script's stderr stays quiet, as crane's does.
        let noted = false;
        const noteUnsized = (event: TransferEvent) => {
          if (noted || event.type !== "blob" || event.state !== "started" || event.size !== undefined) return;
          noted = true;
          writeStderr(
            "regatta: the registry gave no size for this blob; reading until it ends (--max-size to bound it)\n",
          );
        };
        const note = maxSize === undefined && !flags.json && (flags.verbose || process.stderr.isTTY);
        const limit = {
          ...(maxSize !== undefined ? { maxSize } : {}),
          ...(note ? { onProgress: noteUnsized } : {}),
        };
        await cli
          .withClient(cmd, ref.registry, async (reg) => {
            const blob = reg.blob(ref.repositoryOnly(), ref.digest as string);
            if (file) {
              // No bars (one blob), but a FIFO nobody reads is said, as pull says it (transfer-progress.ts).
              const saved = await withTransferProgress(
                flags,
                (onProgress) =>
                  blob.toFile(file, {
                    ...interruptSignal(),
                    ...limit,
                    onProgress: (event) => {
                      limit.onProgress?.(event);
                      onProgress(event);
                    },
                  }),
                false,
              );
              if (flags.json) await writeJson(saved);
              else cli.info(`wrote ${quotePath(saved.path)} (${humanSize(saved.size)}, ${saved.digest})`);
              return;
            }
            const stream = await blob.stream({ ...interruptSignal(), ...limit });
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
          })
          .catch((error: unknown) => overLimit(error, opts.maxSize));
      },
    );
}

/** Rethrows `error`; the client's refusal of a blob past maxSize (code SIZE_LIMIT) with the flag that set it. */
function overLimit(error: unknown, flag: string | undefined): never {
  if (!(error instanceof SizeMismatchError) || error.code !== "SIZE_LIMIT") throw error;
  throw new SizeMismatchError(error.summary, {
    code: error.code,
    expected: error.expected,
    actual: error.actual,
    hint: `the limit is --max-size ${flag}; raise it, or leave it out to read the blob to its end`,
  });
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
