import pc from "picocolors";

/** Sizes the way docker and skopeo print them: 1000-based units with one decimal below 10. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Shortens `sha256:abcdef…` to `sha256:abcdef123456` for tables. */
export function shortDigest(digest: string): string {
  const [alg, hex] = digest.split(":");
  return hex ? `${alg}:${hex.slice(0, 12)}` : digest;
}

/** A plain aligned table; colours the header on a terminal. */
export function table(headers: string[], rows: string[][], color: boolean): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const head = line(headers);
  return [color ? pc.bold(head) : head, ...rows.map(line)].join("\n");
}

/** Writes to stdout, resolving once the data is flushed (so an exit right after loses nothing). */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
