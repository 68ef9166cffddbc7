import { quotePath, UsageError } from "@regatta/errors";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";

/** `regatta cat REFERENCE PATH`: a file of an image to stdout, streamed from its layer (issue 14; docs/files.md). */
export function registerCat(program: Command, cli: CliContext): void {
  program
    .command("cat")
    .description(
      "print a file of an image, read from its layers (whiteouts honoured, links followed inside the image)",
    )
    .argument("<reference>", "image reference")
    .argument("<path>", "path in the image, e.g. /etc/os-release")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      `
Examples:
  regatta cat alpine:3.20 /etc/os-release
  regatta cat alpine:3.20 /etc/os-release --platform linux/arm64
  regatta cat alpine:3.20 /etc/alpine-release > version.txt

Layers are read from the top down and reading stops at the first layer that has the path or deletes it; that layer
is read to its end so its digest is checked (the output fails, exit 1, if it does not match). A directory, a device
or a path the image does not have is a one-line error (exit 2 or 3); a binary file is not written to a terminal.`,
    )
    .action(async (reference: string, path: string, _opts: unknown, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref) => {
        const file = await reg.fileStream(ref, path, interruptSignal());
        if (process.stdout.isTTY) {
          // A binary dumped on a terminal garbles it (as `blob` refuses): look at the first bytes before writing any.
          const first: Buffer | null = await new Promise((resolve, reject) => {
            file.stream.once("readable", () => resolve(file.stream.read() as Buffer | null));
            file.stream.once("error", reject);
          });
          // Loaded with the client, which this command has already loaded (issue 12).
          const { looksLikeText } = await import("@regatta/client");
          if (first && !looksLikeText(first, true)) {
            file.stream.destroy();
            throw new UsageError(
              `refusing to write ${quotePath(file.path)}, a binary file, to a terminal; redirect or pipe it`,
            );
          }
          if (first) file.stream.unshift(first);
        }
        // Loaded here, not with the command table (issue 12).
        const { pipeline } = await import("node:stream/promises");
        await pipeline(file.stream, process.stdout, { end: false });
      });
    });
}
