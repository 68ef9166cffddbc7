import type { Inventory, InventoryProgress, InventorySort } from "@regatta/client";
import { RegattaError, UsageError } from "@regatta/errors";
import { type Command, Option } from "commander";
import pc from "picocolors";
import type { CliContext } from "../cli-context.js";
import { positiveInt } from "../flag-values.js";
import { interruptSignal } from "../interrupt.js";
import {
  countNoun,
  escapeField,
  inventoryTable,
  takesControls,
  writeJson,
  writeStderr,
  writeStdout,
} from "../output.js";
import { excludeOption, includeOption } from "../tag-pattern-flags.js";
import { tagsRepository } from "./tags.js";

/** The orders of `--sort` (the client's INVENTORY_SORTS), listed here so that --help loads no client. */
const SORTS: readonly InventorySort[] = ["name", "created"];

/** `regatta inventory REPOSITORY`: every tag with digest, platforms, created, size, and the tags sharing a manifest. */
export function registerInventory(program: Command, cli: CliContext): void {
  program
    .command("inventory")
    .description(
      "every tag of a repository with its digest, media type, platforms, created date, size, and the tags sharing its manifest",
    )
    .argument("<repository>", "e.g. alpine, localhost:5000/team/api (a :tag or @digest is ignored)")
    .addOption(
      new Option("--sort <order>", "name: natural order (1.9 before 1.10); created: newest first")
        .choices(SORTS)
        .default("name"),
    )
    .option("--csv", "print CSV (RFC 4180: a header line, CRLF, quoted fields) instead of a table")
    .addOption(includeOption())
    .addOption(excludeOption())
    .option("-j, --jobs <n>", "tags looked at once (default 4)")
    .addHelpText(
      "after",
      `
One HEAD per tag for its digest, then one GET per distinct manifest (an index's platform images included) and one
per distinct image config (for the created date): tags naming the same manifest cost one HEAD each and nothing more.
Sizes are compressed, as stored: config + layers; an index sums its platforms. On a terminal, a counter of tags done
runs on stderr.

Examples:
  regatta inventory alpine
  regatta inventory localhost:5000/team/api --sort created
  regatta inventory localhost:5000/team/api --csv > tags.csv
  regatta inventory localhost:5000/org/app --json | jq -r '.shared[].tags | join(" = ")'`,
    )
    .action(async (repository: string, opts: InventoryFlags, cmd: Command) => {
      const { repo, note } = tagsRepository(repository);
      if (note) writeStderr(`note: ${note}\n`);
      if (opts.csv && cli.flags(cmd).json) throw new UsageError("--csv and --json are exclusive");
      const jobs = opts.jobs !== undefined ? positiveInt(opts.jobs, "--jobs") : undefined;
      await cli.withClient(cmd, repo.registry, async (reg, flags) => {
        const counter = tagCounter(takesControls(process.stderr) && !flags.json);
        let inventory: Awaited<ReturnType<typeof reg.inventory>>;
        try {
          inventory = await reg.inventory(repo, {
            sort: opts.sort as InventorySort,
            ...(opts.include ? { include: opts.include } : {}),
            ...(opts.exclude ? { exclude: opts.exclude } : {}),
            ...(jobs !== undefined ? { concurrency: jobs } : {}),
            onProgress: counter.update,
            ...interruptSignal(),
          });
        } finally {
          counter.clear();
        }
        if (inventory.vanished) {
          cli.info(
            `note: listed but gone when looked at (deleted meanwhile), left out: ${inventory.vanished.join(", ")}`,
          );
        }
        await writeInventory(inventory, flags.json, opts.csv, cli);
        // A tag that could not be inventoried (a lying index, a broken manifest): its line on stderr, the others
        // listed above, and the run fails, as sync's --keep-going does.
        const failed = inventory.failed ?? [];
        for (const f of failed)
          writeStderr(`failed ${escapeField(f.tag)}: ${escapeField(f.message)} (${f.code})\n`);
        if (failed.length) {
          const total = inventory.tags.length + failed.length;
          throw new RegattaError(`${failed.length} of ${countNoun(total, "tag")} failed (listed above)`, {
            code: "INVENTORY_INCOMPLETE",
          });
        }
      });
    });
}

/** The inventory on stdout: --json, --csv or the table (a line on stderr when there is no tag to list). */
async function writeInventory(
  inventory: Inventory,
  json: boolean | undefined,
  csv: boolean | undefined,
  cli: CliContext,
): Promise<void> {
  if (json) return writeJson(inventory);
  if (csv) {
    const { inventoryCsv } = await import("@regatta/client");
    // Bytes, so that the CRLFs of RFC 4180 stay; each value had its control characters made visible.
    return writeStdout(Buffer.from(inventoryCsv(inventory, escapeField)));
  }
  if (!inventory.tags.length) {
    if (!inventory.failed?.length) cli.info(`${inventory.repository} has no tags`);
    return;
  }
  const bold = process.stdout.isTTY ? pc.bold : undefined;
  await writeStdout(`${inventoryTable(inventory, bold)}\n`);
}

interface InventoryFlags {
  sort: string;
  csv?: boolean;
  include?: string[];
  exclude?: string[];
  jobs?: string;
}

/**
 * "N/M tags" on stderr, rewritten in place (at most every 100 ms, and at the end), when `enabled` (a terminal that
 * takes control sequences, output for people); cleared before anything else is printed. Written raw: the text is ours, and its `\r` must stay one.
 */
function tagCounter(enabled: boolean) {
  let last = 0;
  let shown = false;
  return {
    update(progress: InventoryProgress) {
      if (!enabled) return;
      const now = Date.now();
      if (progress.done < progress.total && now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r${progress.done}/${progress.total} tags`);
    },
    clear() {
      if (shown) process.stderr.write("\r\x1b[K");
    },
  };
}
