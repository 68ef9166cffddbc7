import { escapeField } from "./terminal-text.js";

/**
 * An entry of an image's merged filesystem as far as a listing shows it: the client's FileEntry
 * (packages/client/src/files/list-files.ts), declared structurally so this package depends on nothing above it.
 */
export interface FileRow {
  path: string;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkTarget?: string;
}

const TYPE_LETTER: Record<string, string> = {
  file: "-",
  directory: "d",
  symlink: "l",
  hardlink: "h",
  "character-device": "c",
  "block-device": "b",
  fifo: "p",
};

/** `drwxr-xr-x`, with setuid, setgid and sticky bits as `ls -l` shows them. */
export function modeString(entry: FileRow): string {
  const bits = "rwxrwxrwx".split("").map((c, i) => (entry.mode & (0o400 >> i) ? c : "-"));
  const special = (at: number, flag: number, set: string) => {
    if (entry.mode & flag) bits[at] = bits[at] === "-" ? set.toUpperCase() : set;
  };
  special(2, 0o4000, "s");
  special(5, 0o2000, "s");
  special(8, 0o1000, "t");
  return `${TYPE_LETTER[entry.type] ?? "?"}${bits.join("")}`;
}

/**
 * One `ls -l`-like line per entry — mode, owner, size, path, and where a link points — as `regatta ls` and the REPL's
 * `reg.listFiles()` show them. Names come from the layers: each is one field on its line, whatever it holds.
 */
export function fileListingLines(entries: readonly FileRow[]): string[] {
  return entries.map((entry) => {
    const link =
      entry.type === "symlink"
        ? ` -> ${escapeField(entry.linkTarget ?? "")}`
        : entry.type === "hardlink"
          ? ` link to ${escapeField(entry.linkTarget ?? "")}`
          : "";
    return `${modeString(entry)} ${`${entry.uid}/${entry.gid}`.padEnd(9)} ${String(entry.size).padStart(10)} ${escapeField(entry.path)}${link}`;
  });
}
