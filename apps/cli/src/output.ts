import { escapeControls, humanSize, shortDigest, textTable } from "@regatta/client";
import pc from "picocolors";

export { humanSize, shortDigest };

/** A plain aligned table; the header is bold on a terminal. */
export function table(headers: string[], rows: string[][], color: boolean): string {
  return textTable(headers, rows, color ? pc.bold : undefined);
}

/**
 * Writes to stdout, resolving once the data is flushed (so an exit right after loses nothing). Text is the output
 * boundary for terminal safety: control characters a registry put into names, labels or messages are escaped here
 * (`escapeControls`), so no command prints them raw; JSON stays valid JSON. Bytes (a manifest's exact bytes, a blob)
 * are data and are written as they are.
 */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  const out = typeof data === "string" ? escapeControls(data) : data;
  return new Promise((resolve, reject) => {
    process.stdout.write(out, (err) => (err ? reject(err) : resolve()));
  });
}

/** Writes text for people to stderr (messages, the `-v` log, errors), control characters escaped. */
export function writeStderr(text: string): void {
  process.stderr.write(escapeControls(text));
}
