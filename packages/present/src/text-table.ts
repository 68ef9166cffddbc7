import { shortDigest } from "@regatta/manifest";
import { humanSize } from "./human-size.js";
import { escapeField } from "./terminal-text.js";

/**
 * The parts of the client's `ImageSummary` the tables show, by shape: presentation sits below the client
 * (the layering test), and any summary the client returns fits.
 */
export interface SummaryRows {
  platforms?: readonly { platform: string; digest: string; size: number }[];
  layers?: readonly { digest: string; size: number; mediaType: string }[];
}

/**
 * An aligned plain-text table, two spaces between columns, the last column not padded: what the CLI's `inspect` and
 * the REPL print for platforms and layers. `emphasise` styles the header (bold on a terminal).
 */
export function textTable(
  headers: string[],
  rows: string[][],
  emphasise: (text: string) => string = (t) => t,
): string {
  // Cells hold what a registry chose (platforms, media types): one line each, whatever it sent.
  rows = rows.map((r) => r.map(escapeField));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [emphasise(line(headers)), ...rows.map(line)].join("\n");
}

/**
 * The tables of an image summary that the CLI's `inspect` and the REPL both show: the platforms of an index, and the
 * layers of an image. Either may be absent.
 */
export function summaryTables(summary: SummaryRows, emphasise?: (text: string) => string): string[] {
  const tables: string[] = [];
  if (summary.platforms) {
    const rows = summary.platforms.map((p) => [p.platform, shortDigest(p.digest), humanSize(p.size)]);
    tables.push(textTable(["PLATFORM", "DIGEST", "SIZE"], rows, emphasise));
  }
  if (summary.layers) {
    const rows = summary.layers.map((l, i) => [
      String(i + 1),
      shortDigest(l.digest),
      humanSize(l.size),
      l.mediaType,
    ]);
    tables.push(textTable(["#", "LAYER", "SIZE", "MEDIA TYPE"], rows, emphasise));
  }
  return tables;
}
