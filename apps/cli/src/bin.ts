#!/usr/bin/env node
/**
 * The `regatta` executable, kept small for start-up (issue 12): `regatta --version` alone is answered here, without
 * the command table, and every other command line loads main.js, which parses it. apps/cli/README.md has the
 * numbers. (Node's compile cache, `module.enableCompileCache()` on Node >= 22.1, did not change `--version` or `--help`
 * beyond noise — the minified table compiles lazily — so it is turned on in main.ts, for the commands that load the
 * client.)
 */
import { VERSION } from "./version.js";

/**
 * stdout that cannot be written: a reader that went away (`| head -c1`, EPIPE) ends the process quietly with 141,
 * as `cat` or `git` killed by SIGPIPE do (0 would hide a failed `| docker load` under `set -o pipefail`); any other
 * error (`> /dev/full`) is one line naming the cause, and status 1. Exiting runs the `exit` hooks (temp spools).
 */
process.stdout.on("error", async (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(141);
  // Loaded only now: a run whose stdout works never needs it (the pending import keeps the process up). A command
  // that opened a client has this module loaded already, so the line comes before the command's own error path.
  const { fileSystemError } = await import("./open-client.js");
  process.stderr.write(`regatta: ${(fileSystemError(err, "stdout") as Error).message}\n`);
  process.exit(1);
});

// stderr that cannot be written (`2>/dev/full`, a closed pipe): there is no one left to tell; the exit status still
// says what happened, so the error is not turned into another one.
process.stderr.on("error", () => {});

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // What commander prints for `.version(VERSION, "-V, --version")`; startup.test.ts checks that both agree.
  process.stdout.write(`${VERSION}\n`);
} else {
  // The bundle is minified: with -v an internal error's stack names the TypeScript sources (dist/*.js.map). Maps
  // are read for modules loaded from now on, so this comes before main.js.
  if (args.includes("-v") || args.includes("--verbose")) process.setSourceMapsEnabled(true);
  await import("./main.js");
}
