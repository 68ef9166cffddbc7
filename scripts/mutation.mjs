#!/usr/bin/env node
// Mutation testing with Stryker, one package at a time: `pnpm mutation` runs auth, transport and client in turn;
// `pnpm mutation auth` runs one. Options after the names go to Stryker (`--force` re-tests every mutant instead of
// only those whose code or tests changed since the last run; `--mutate a.ts,b.ts` with its own `--incrementalFile`
// tests part of a package). Each run is niced and uses one test process: it is meant to run
// beside other work, not to be fast. Exits non-zero when a package scores below the break threshold (90).
import { spawnSync } from "node:child_process";

const packages = ["auth", "transport", "client"];
const args = process.argv.slice(2);
// Package names first; from the first option on, everything is Stryker's (`--mutate a.ts,b.ts`).
const firstOption = args.findIndex((a) => a.startsWith("-"));
const selected = firstOption === -1 ? args : args.slice(0, firstOption);
const passed = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = selected.filter((p) => !packages.includes(p));
if (unknown.length) {
  console.error(`unknown package ${unknown.join(", ")}: choose from ${packages.join(", ")}`);
  process.exit(2);
}

let status = 0;
for (const name of selected.length ? selected : packages) {
  console.log(`\nmutation testing @regatta/${name}`);
  const started = Date.now();
  const run = spawnSync(
    "nice",
    ["-n", "19", "pnpm", "exec", "stryker", "run", "stryker.config.mjs", "--concurrency", "1", ...passed],
    { stdio: "inherit", env: { ...process.env, REGATTA_MUTATION_PACKAGE: name } },
  );
  console.log(
    `@regatta/${name}: ${Math.round((Date.now() - started) / 1000)} s, exit ${run.status ?? run.signal}`,
  );
  if (run.status !== 0) status = 1;
}
process.exit(status);
