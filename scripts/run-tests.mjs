#!/usr/bin/env node
// Runs vitest with its JSON reporter beside the default one, then prints the closing line CI reads:
// "N passed, N failed" (CI does not read vitest's own summary). The run fails when any test failed, when no test ran,
// or when the real-registry integration tests (files named *.int.test.ts) did not all run.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { relative } from "node:path";

const report = ".reports/vitest.json";
mkdirSync(".reports", { recursive: true });
rmSync(report, { force: true });

const vitest = spawnSync(
  "pnpm",
  [
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);

let json;
try {
  json = JSON.parse(readFileSync(report, "utf8"));
} catch {
  console.error("no vitest JSON report was written: vitest could not run");
  console.log("0 passed, 1 failed");
  process.exit(1);
}

let passed = 0;
let failed = 0;
let skipped = 0;
let integrationPassed = 0;
const integrationSkipped = [];
for (const file of json.testResults ?? []) {
  const isIntegration = /\.int\.test\.ts$/.test(file.name);
  if (file.status === "failed" && (file.assertionResults ?? []).length === 0) failed += 1; // a file that failed to load
  for (const t of file.assertionResults ?? []) {
    if (t.status === "passed") {
      passed += 1;
      if (isIntegration) integrationPassed += 1;
    } else if (t.status === "failed") failed += 1;
    else {
      skipped += 1;
      if (isIntegration) integrationSkipped.push(`${relative(process.cwd(), file.name)} > ${t.fullName}`);
    }
  }
}

const problems = [];
if (passed === 0) problems.push("no test passed: a run that executes no test is a failure");
if (integrationPassed === 0 && process.argv.length <= 2)
  problems.push("no real-registry integration test ran");
if (integrationSkipped.length)
  problems.push(`integration tests were skipped:\n  ${integrationSkipped.join("\n  ")}`);
for (const p of problems) console.error(`error: ${p}`);

const ok = failed === 0 && problems.length === 0 && vitest.status === 0;
console.log(`integration (real registry): ${integrationPassed} passed`);
// A failed run never prints "0 failed": problems and a vitest crash count as failures too.
const shownFailed = ok ? 0 : Math.max(1, failed + problems.length);
console.log(`${passed} passed, ${shownFailed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(ok ? 0 : 1);
