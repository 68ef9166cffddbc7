#!/usr/bin/env node
// Builds @regatta/repl: the declarations with tsc, the JavaScript with esbuild into one dist/index.js.
//
// Only the private @regatta/present, which the REPL shares with the CLI, is bundled in (issue 11, item 6): the
// published package then never names it. Its dependencies stay imports, so the REPL and the code that starts it share
// one @regatta/client (its classes are checked with instanceof) and one copy of each package.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const { dependencies } = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(here, "../../node_modules/typescript/bin/tsc"), "-p", "tsconfig.json", "--emitDeclarationOnly"],
  { cwd: here, stdio: "inherit" },
);
await build({
  absWorkingDir: here,
  entryPoints: ["src/index.ts"],
  outfile: join(dist, "index.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  external: Object.keys(dependencies),
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "warning",
});
