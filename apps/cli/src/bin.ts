#!/usr/bin/env node
/**
 * The `regatta` executable, kept small for start-up (issue 12): `regatta --version` alone is answered here, without
 * the command table, and every other command line loads main.js, which parses it. Before that, Node's compile cache
 * is turned on where there is one (Node >= 22.1; NODE_DISABLE_COMPILE_CACHE=1 turns it off): ES modules are compiled
 * before any of their code runs, so it has to be on before main.js is imported. apps/cli/README.md has the numbers.
 */
import module from "node:module";
import { VERSION } from "./version.js";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // What commander prints for `.version(VERSION, "-V, --version")`; program.test.ts checks that both agree.
  process.stdout.write(`${VERSION}\n`);
} else {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // The bundle is minified: with -v an internal error's stack names the TypeScript sources (dist/*.js.map). Maps
  // are read for modules loaded from now on, so this comes before main.js.
  if (args.includes("-v") || args.includes("--verbose")) process.setSourceMapsEnabled(true);
  await import("./main.js");
}
