#!/usr/bin/env node
/**
 * The `regatta` executable (dist/bin.cjs), kept small for start-up (issue 12): `regatta --version` alone is answered
 * here, without the command table, and every other command line loads the main chunk, which parses it. The rest of
 * the CLI is bundled into chunks (dist/cli/) that load through chunk-loader.ts, with V8's compiled code kept between
 * runs. apps/cli/README.md and bench/README.md have the numbers.
 *
 * CommonJS, not an ES module: Node starts an ES module entry about 10 ms later (its ES loader, module resolution),
 * a fifth of what the whole command table costs.
 */
import { codeCacheDir, createChunkLoader, v8FlagsProbe } from "./chunk-loader.js";
import { VERSION } from "./version.js";

/** The chunks' file names and the build's hash, set by build.mjs (esbuild's `define`). */
declare const REGATTA_CLI_CHUNKS: { main: string; openClient: string; build: string };

/**
 * stdout that cannot be written: a reader that went away (`| head -c1`, EPIPE) ends the process quietly with 141,
 * as `cat` or `git` killed by SIGPIPE do (0 would hide a failed `| docker load` under `set -o pipefail`); any other
 * error (`> /dev/full`) is one line naming the cause, and status 1. Exiting runs the `exit` hooks (temp spools).
 */
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(141);
  // Loaded only now: a run whose stdout works never needs it. A command that opened a client has this chunk loaded
  // already, so the line comes before the command's own error path.
  const { fileSystemError } = chunks.load(REGATTA_CLI_CHUNKS.openClient) as typeof import("./open-client.js");
  process.stderr.write(`regatta: ${(fileSystemError(err, "stdout") as Error).message}\n`);
  process.exit(1);
});

// stderr that cannot be written (`2>/dev/full`, a closed pipe): there is no one left to tell; the exit status still
// says what happened, so the error is not turned into another one.
process.stderr.on("error", () => {});

const args = process.argv.slice(2);
const verbose = args.includes("-v") || args.includes("--verbose");

/**
 * undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 runs it with its baseline compiler (Liftoff) and,
 * once a function has used its tiering budget, recompiles it with TurboFan on a background thread; llhttp's parser
 * is one very large function, so after the first response or two that is about 0.2 CPU-seconds, and the process
 * waits for the compile before it can exit: about a third of a short command's time (`regatta manifest REF`,
 * bench/startup.mjs; bench/README.md has the numbers). A budget of 18,000,000 (ten times Node 20's default, 1.4 times
 * Node 22's and 24's, under which `regatta inspect REF` tiers up) keeps short commands on Liftoff, where llhttp is
 * fast enough for the header parsing it does (a body is handed over whole, not parsed), and a long run still tiers
 * up. https://v8.dev/docs/wasm-compilation-pipeline#dynamic-tiering
 *
 * V8 gives a module its budget when the module is compiled, so the flag is raised for llhttp's compile only (build.mjs
 * routes undici's `lazyllhttp()` through this hook; a library user's undici is untouched: a V8 flag is the process's)
 * and then put back. Put back, because V8 keeps a hash of its non-default flags in every code cache and refuses a
 * cache made under others: with the flag left raised, every one of Node's own modules loaded later (node:http,
 * node:crypto, streams, …) was compiled from source instead of from the cache built into Node, about 58 M
 * instructions (18 %) of `regatta manifest REF` on Node 22. V8 has no way to read a flag's default, so the known
 * defaults are tried, each checked against a code cache made before the change (v8FlagsProbe); should none fit (a
 * future V8), the chunk loader writes no cache this run rather than one the next run would refuse.
 */
const LLHTTP_TIERING_BUDGET = 18_000_000;
/** V8's default `--wasm-tiering-budget`: V8 12.4 and later (Node 22, 24), V8 11 (Node 20). */
const DEFAULT_TIERING_BUDGETS = [13_000_000, 1_800_000];
(globalThis as Record<symbol, unknown>)[Symbol.for("regatta.compileLlhttp")] = <T>(compile: () => T): T => {
  const v8 = require("node:v8") as typeof import("node:v8");
  const flagsAsBefore = v8FlagsProbe();
  v8.setFlagsFromString(`--wasm-tiering-budget=${LLHTTP_TIERING_BUDGET}`);
  try {
    return compile();
  } finally {
    const restored = DEFAULT_TIERING_BUDGETS.some((budget) => {
      v8.setFlagsFromString(`--wasm-tiering-budget=${budget}`);
      return flagsAsBefore();
    });
    if (!restored) chunks.flagsChanged();
  }
};

// The bundle is minified: with -v an internal error's stack names the TypeScript sources (dist/cli/*.cjs.map). Node
// maps the stacks of what its own loader loads, so -v loads the chunks without the code cache.
if (verbose) process.setSourceMapsEnabled(true);
const chunks = createChunkLoader({
  dir: `${__dirname}/cli`,
  cacheDir: verbose ? undefined : codeCacheDir(REGATTA_CLI_CHUNKS.build),
  runKey: args.find((arg) => !arg.startsWith("-")) ?? "-",
  require,
});
process.once("exit", chunks.save);

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // What commander prints for `.version(VERSION, "-V, --version")`; startup.test.ts checks that both agree.
  process.stdout.write(`${VERSION}\n`);
} else {
  chunks.load(REGATTA_CLI_CHUNKS.main);
}
