/**
 * An aligned plain-text table, two spaces between columns, the last column not padded: what the CLI's `inspect` and
 * the REPL print for platforms and layers. `emphasise` styles the header (bold on a terminal).
 */
export function textTable(
  headers: string[],
  rows: string[][],
  emphasise: (text: string) => string = (t) => t,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [emphasise(line(headers)), ...rows.map(line)].join("\n");
}
