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
    /** How many other tags name the same manifest; which ones, `shared` says. */
    sharedCount: number;
  }[];
  /** Each manifest more than one tag names, with those tags: listed once per manifest, not on every row. */
  shared: readonly { digest: string; tags: readonly string[] }[];
}

/**
 * How many of the tags naming the same manifest a row lists before "+N more": 500 tags of one digest made each row
 * 2,500 characters wide. `--json` (and the result object in the REPL) lists them all, once per manifest (`shared`).
 */
const SAME_AS_SHOWN = 3;

/**
 * The SAME AS cell of `tag`, whose manifest `group` (every tag naming it, the row's own included) names. Reads at
 * most a few entries of the group: a row costs the same however many tags share its manifest.
 */
function sameAs(tag: string, group: readonly string[] | undefined): string {
  const others = (group?.length ?? 1) - 1;
  if (!group || others <= 0) return "-";
  const shown = others <= SAME_AS_SHOWN + 1 ? others : SAME_AS_SHOWN;
  const names: string[] = [];
  for (let i = 0; names.length < shown && i < group.length; i++) if (group[i] !== tag) names.push(group[i]!);
  return others > shown ? `${names.join(",")} +${others - shown} more` : names.join(",");
}

/** The table (a header line, then one line per tag), without a trailing newline; "" for no tags. */
export function inventoryTable(inventory: InventoryRows, emphasise?: (text: string) => string): string {
  if (!inventory.tags.length) return "";
  const groups = new Map(inventory.shared.map((s) => [s.digest, s.tags]));
  const rows = inventory.tags.map((t) => [
    t.tag,
    shortDigest(t.digest),
    t.kind,
    t.platforms.join(",") || "-",
    // The date and time to the second, in UTC as the config wrote it: enough to order and to recognise.
    t.created ? t.created.replace(/\.\d+/, "") : "-",
    humanSize(t.size),
    sameAs(t.tag, groups.get(t.digest)),
  ]);
  return textTable(["TAG", "DIGEST", "KIND", "PLATFORMS", "CREATED", "SIZE", "SAME AS"], rows, emphasise);
}
