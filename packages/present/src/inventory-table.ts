/**
 * An inventory for people (`regatta inventory`, and the REPL when it shows `reg.inventory()`'s result): one aligned
 * row per tag, short digests and human sizes, and the tags that name the same manifest. The shape is the client's
 * `Inventory`, named here by its fields only: presentation sits below the client (the layering test).
 */
import { shortDigest } from "@regatta/manifest";
import { humanSize } from "./human-size.js";
import { textTable } from "./text-table.js";

/** The parts of the client's `Inventory` the table shows. */
export interface InventoryRows {
  repository: string;
  tags: readonly {
    tag: string;
    digest: string;
    kind: string;
    platforms: readonly string[];
    created?: string;
    size: number;
    sharedWith: readonly string[];
  }[];
}

/**
 * How many of the tags naming the same manifest a row lists before "+N more": 500 tags of one digest made each row
 * 2,500 characters wide. `--json` (and the result object in the REPL) keeps them all.
 */
const SAME_AS_SHOWN = 3;

function sameAs(tags: readonly string[]): string {
  if (tags.length === 0) return "-";
  if (tags.length <= SAME_AS_SHOWN + 1) return tags.join(",");
  return `${tags.slice(0, SAME_AS_SHOWN).join(",")} +${tags.length - SAME_AS_SHOWN} more`;
}

/** The table (a header line, then one line per tag), without a trailing newline; "" for no tags. */
export function inventoryTable(inventory: InventoryRows, emphasise?: (text: string) => string): string {
  if (!inventory.tags.length) return "";
  const rows = inventory.tags.map((t) => [
    t.tag,
    shortDigest(t.digest),
    t.kind,
    t.platforms.join(",") || "-",
    // The date and time to the second, in UTC as the config wrote it: enough to order and to recognise.
    t.created ? t.created.replace(/\.\d+/, "") : "-",
    humanSize(t.size),
    sameAs(t.sharedWith),
  ]);
  return textTable(["TAG", "DIGEST", "KIND", "PLATFORMS", "CREATED", "SIZE", "SAME AS"], rows, emphasise);
}
