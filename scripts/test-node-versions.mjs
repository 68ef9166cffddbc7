#!/usr/bin/env node
// The whole suite on every supported Node major (REGATTA_NODE_VERSIONS, default "20 22 24"): scripts/run-tests.mjs
// once per major with that Node first on PATH, so vitest, its workers, and the processes the tests spawn (the CLI,
// the REPL, test servers via process.execPath) all run on it. Prints each major's "N passed, N failed" as it ends,
// then the total over all majors as the last line, computed from the runs' vitest JSON reports. Arguments go to
// every run unchanged. Exits non-zero when any run fails.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const toolchains = spawnSync("bash", ["scripts/node-versions.sh"], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
if (toolchains.status !== 0) {
  console.error("could not make the Node versions available (scripts/node-versions.sh)");
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const majors = toolchains.stdout
  .trim()
  .split("\n")
  .map((line) => line.split(" "))
  .map(([major, bin]) => ({ major, bin }));

// vite's transforms of the test files and sources, made by the first major's run and read by the others'
// (vitest.config.ts): the same files, so the same output; removed when the last run ends.
const moduleCache = mkdtempSync(join(tmpdir(), "regatta-vitest-modules-"));
process.once("exit", () => rmSync(moduleCache, { recursive: true, force: true }));

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const { major, bin } of majors) {
  const report = `.reports/vitest-node${major}.json`;
  const verdictFile = report.replace(/\.json$/, ".verdict.json");
  rmSync(verdictFile, { force: true });
  const version = spawnSync(`${bin}/node`, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`\n=== Node ${version}: the whole suite ===\n`);
  const started = Date.now();
  const run = spawnSync(`${bin}/node`, ["scripts/run-tests.mjs", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH}`,
      REGATTA_TEST_REPORT: report,
      REGATTA_NODE_MAJOR: major,
      REGATTA_VITEST_MODULE_CACHE: moduleCache,
    },
  });
  let verdict;
  try {
    verdict = JSON.parse(readFileSync(verdictFile, "utf8"));
  } catch {
    verdict = { passed: 0, failed: 1, skipped: 0 };
  }
  if (run.status !== 0 && verdict.failed === 0) verdict.failed = 1;
  totals.passed += verdict.passed;
  totals.failed += verdict.failed;
  totals.skipped += verdict.skipped;
  lines.push(
    `Node ${version}: ${verdict.passed} passed, ${verdict.failed} failed in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}
console.log("");
for (const line of lines) console.log(line);
const skippedNote = totals.skipped ? `, ${totals.skipped} skipped` : "";
console.log(`${totals.passed} passed, ${totals.failed} failed${skippedNote}`);
process.exit(totals.failed === 0 ? 0 : 1);
