import type { Diff } from "@regatta/client";
import { parseReference } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { diffReport, writeJson, writeStdout } from "../output.js";

/** `regatta diff A B`: what differs between two images (or indexes); with --files, their filesystems too. */
export function registerDiff(program: Command, cli: CliContext): void {
  program
    .command("diff")
    .description("what differs between two images: config, layers, and with --files the files")
    .argument("<a>", "the first image (the one compared from)")
    .argument("<b>", "the second image (the one compared to): + is what B adds, - what it removes")
    .option("--files", "compare the filesystems too (reads every layer of both images, streamed)")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      `
Config: platform, created, user, working dir, entrypoint, cmd, stop signal, volumes; Env and labels entry by entry;
exposed ports. Layers by digest: = shared, + only in B, - only in A, ~ a layer at the same position with another
digest (a rebuilt step). Files (--files): + added, - removed (whiteouts honoured), ~ changed (content by sha256, type,
mode, owner, link target; modification times are not compared).

An index against an image: the index's image for --platform (default this host's) is compared, and a note says so.
Two indexes without --platform: their platform lists, then each platform both have, image against image.
B may be on another registry. Exit 0 whether or not they differ; --json gives the data.

Examples:
  regatta diff localhost:5000/team/api:1.0 localhost:5000/team/app:latest
  regatta diff alpine:3.20 ubuntu --platform linux/amd64
  regatta diff alpine:3.20 localhost:5000/org/app:1.4
  regatta diff --files localhost:5000/team/api:1.0 alpine:3.20
  regatta diff ubuntu localhost:5000/team/api:1.0 --json | jq '.layers.shared | length'`,
    )
    .action(async (a: string, b: string, opts: { files?: boolean }, cmd: Command) => {
      // Both parsed before any client is opened: a bad reference is a usage error, nothing sent.
      const other = parseReference(b);
      await cli.withReference(cmd, a, async (reg, ref, flags) => {
        const diff: Diff = await reg.diff(ref, other, {
          ...(opts.files ? { files: true } : {}),
          ...interruptSignal(),
        });
        if (flags.json) return writeJson(diff, 2);
        await writeStdout(`${diffReport(diff)}\n`);
      });
    });
}
