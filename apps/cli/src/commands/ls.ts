import type { FileEntry } from "@regatta/client";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { writeJson, writeStdout } from "../output.js";

const TYPE_LETTER: Record<FileEntry["type"], string> = {
  file: "-",
  directory: "d",
  symlink: "l",
  hardlink: "h",
  "character-device": "c",
  "block-device": "b",
  fifo: "p",
  other: "?",
};

/** `drwxr-xr-x`, with setuid, setgid and sticky bits as `ls -l` shows them. */
function modeString(entry: FileEntry): string {
  const bits = "rwxrwxrwx".split("").map((c, i) => (entry.mode & (0o400 >> i) ? c : "-"));
  const special = (at: number, flag: number, set: string) => {
    if (entry.mode & flag) bits[at] = bits[at] === "-" ? set.toUpperCase() : set;
  };
  special(2, 0o4000, "s");
  special(5, 0o2000, "s");
  special(8, 0o1000, "t");
  return `${TYPE_LETTER[entry.type]}${bits.join("")}`;
}

/** One `ls -l`-like line: mode, owner, size, path, and where a link points. */
function line(entry: FileEntry): string {
  const link =
    entry.type === "symlink"
      ? ` -> ${entry.linkTarget}`
      : entry.type === "hardlink"
        ? ` link to ${entry.linkTarget}`
        : "";
  return `${modeString(entry)} ${`${entry.uid}/${entry.gid}`.padEnd(9)} ${String(entry.size).padStart(10)} ${entry.path}${link}\n`;
}

/** `regatta ls REFERENCE [PATH]`: a directory of an image's merged filesystem (issue 14; docs/files.md). */
export function registerLs(program: Command, cli: CliContext): void {
  program
    .command("ls")
    .description("list a directory of an image's filesystem, its layers merged (whiteouts honoured)")
    .argument("<reference>", "image reference")
    .argument("[path]", "directory (or file) in the image", "/")
    .option("-R, --recursive", "everything under the directory, not only its own entries")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      `
Examples:
  regatta ls alpine:3.20
  regatta ls alpine:3.20 /etc
  regatta ls -R alpine:3.20 /etc --json

Every layer is read (a directory's entries can come from any of them), keeping only names and modes. A link on the
way is followed inside the image (ls /bin lists /usr/bin when /bin -> usr/bin); a file lists itself.`,
    )
    .action(async (reference: string, path: string, opts: { recursive?: boolean }, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const listing = await reg.listFiles(ref, path, {
          ...interruptSignal(),
          ...(opts.recursive ? { recursive: true } : {}),
        });
        if (flags.json) return writeJson(listing);
        // Names come from the layers: writeStdout escapes any control character in them.
        await writeStdout(listing.entries.map(line).join(""));
      });
    });
}
