import { humanSize, shortDigest, textTable } from "@regatta/client";
import pc from "picocolors";

export { humanSize, shortDigest };

/** A plain aligned table; the header is bold on a terminal. */
export function table(headers: string[], rows: string[][], color: boolean): string {
  return textTable(headers, rows, color ? pc.bold : undefined);
}

/** Writes to stdout, resolving once the data is flushed (so an exit right after loses nothing). */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
