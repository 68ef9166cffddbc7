/**
 * The CLI as a process (loaded by bin.ts, which handles stdout and stderr failures): internal errors and signals get
 * their exit statuses here, then `run` parses the command line.
 */
import nodeModule from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { installInterruptHandlers, interruptedExitCode } from "./interrupt.js";
import { writeStderr } from "./output.js";
import { run } from "./program.js";

/**
 * undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 runs it with its baseline compiler (Liftoff) and,
 * once a function has used its tiering budget, recompiles it with TurboFan on a background thread; llhttp's parser
 * is one very large function, so after the first response or two that is about 0.2 CPU-seconds, and the process
 * waits for the compile before it can exit: about a third of a short command's time (`regatta manifest REF`,
 * bench/startup.mjs; apps/cli/README.md has the numbers). Ten times the default budget (1,800,000) keeps short
 * commands on Liftoff, where llhttp is fast enough for the header parsing it does (a body is handed over whole,
 * not parsed), and a long run still tiers up. Set here, in the app, before the client (and undici) load: a V8 flag is
 * the process's, so the library never sets one.
 * https://v8.dev/docs/wasm-compilation-pipeline#dynamic-tiering
 */
setFlagsFromString("--wasm-tiering-budget=18000000");

/**
 * Node >= 22.1 keeps V8's compiled code of the modules it loads in a cache on disk: a command that opens a client
 * compiles about 500 KiB of bundled client, transport and undici, and from the second run on reads it compiled
 * instead. In regatta's own cache directory ($XDG_CACHE_HOME/regatta, else ~/.cache/regatta), not Node's default of
 * os.tmpdir(): a CLI leaves nothing in the TMPDIR its user gave it (cli-half-written.int.test.ts checks that, and
 * caught the default). NODE_COMPILE_CACHE still chooses another place, NODE_DISABLE_COMPILE_CACHE=1 turns it off; Node
 * 20 has no such cache. Called before the client's chunks load; the command table is read already.
 * https://nodejs.org/api/module.html#moduleenablecompilecachecachedir
 */
const enableCompileCache = (nodeModule as { enableCompileCache?: (dir?: string) => unknown })
  .enableCompileCache;
if (enableCompileCache && process.env.NODE_COMPILE_CACHE === undefined) {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  // A cache that cannot be written (a read-only home) is Node's to report as a status, never the command's failure.
  try {
    enableCompileCache(join(base, "regatta", "compile-cache"));
  } catch {}
} else {
  enableCompileCache?.();
}

const verbose = process.argv.includes("-v") || process.argv.includes("--verbose");

// A bug must still end in one line (the stack only with -v), never a dump on a user's terminal.
const internal = (error: unknown) => {
  const text =
    error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  writeStderr(`regatta: internal error: ${text}\n`);
  process.exit(1);
};
process.on("uncaughtException", internal);
process.on("unhandledRejection", internal);

installInterruptHandlers();

run(process.argv).then((code) => {
  process.exitCode = interruptedExitCode() ?? code;
});
