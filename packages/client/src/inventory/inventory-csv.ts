/**
 * An inventory as CSV, RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): a header line, one record per tag, CRLF
 * line ends, and a field quoted when it holds a comma, a double quote, CR or LF, its quotes doubled. The platforms are
 * one field, space-separated: no platform holds a space. The tags sharing a manifest are the records with the same
 * digest; a record says how many others there are (`sharedCount`), not which: a list in every record grew with the
 * square of the tags.
 */
import type { Inventory } from "./inventory.js";

/** The columns, in order. */
export const INVENTORY_CSV_COLUMNS = [
  "tag",
  "digest",
  "mediaType",
  "kind",
  "platforms",
  "created",
  "size",
  "sharedCount",
] as const;

/** One field as RFC 4180 writes it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The inventory as CSV text, ending with CRLF. `visible` is applied to each value before quoting: the CLI makes the
 * control characters a registry may have put into a value visible there, since the CRLFs of the format must reach
 * the terminal or file as they are.
 */
export function inventoryCsv(inventory: Inventory, visible: (value: string) => string = (v) => v): string {
  const lines = [INVENTORY_CSV_COLUMNS.join(",")];
  for (const row of inventory.tags) {
    lines.push(
      [
        row.tag,
        row.digest,
        row.mediaType,
        row.kind,
        row.platforms.join(" "),
        row.created ?? "",
        String(row.size),
        String(row.sharedCount),
      ]
        .map((value) => csvField(visible(value)))
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
