#!/usr/bin/env node
// Runs vitest with its JSON reporter beside the default one, then prints the closing line CI reads:
// "N passed, N failed" (CI does not read vitest's own summary). The run fails when any test failed, when no test
// passed, or when the integration gate does not hold. Arguments go to vitest unchanged.
//
// The integration gate (real-registry tests, files named *.int.test.ts), with any arguments:
// - every integration test the arguments select must pass: none skipped (a `skipIf` that found no registry, a
//   `.skip` left behind, a `--bail` that stopped early), none todo. A `-t pattern` selects by full name, as vitest
//   matches it, so the integration tests it leaves out are not counted as skipped;
// - with no selecting argument (the whole suite, as CI runs it) every *.int.test.ts in the tree must have been
//   collected, so a project dropped from the workspace cannot silently drop its registry tests;
// - whenever the run covers every integration file without a name pattern, at least MIN_INTEGRATION_PASSED of
//   them must pass (REGATTA_MIN_INTEGRATION_TESTS overrides it).
// The verdict is `judge()`, exported for scripts/run-tests.test.ts.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The whole suite had about 430 real-registry tests when this was set; fewer than this means something fell away. */
export const MIN_INTEGRATION_PASSED = 300;

const INTEGRATION = /\.int\.test\.ts$/;

/** vitest options that narrow which test files or projects run (a value follows unless written `--opt=value`). */
const SELECTING = new Set([
  "--project",
  "--dir",
  "--root",
  "-r",
  "--config",
  "-c",
  "--exclude",
  "--shard",
  "--changed",
  "--related",
  "-t",
  "--testNamePattern",
  "--test-name-pattern",
  "--tags-filter",
]);
/** vitest options that take no value, so the argument after them may be a file filter. */
const FLAGS = new Set([
  "--changed",
  "--related",
  "--passWithNoTests",
  "--allowOnly",
  "--no-color",
  "--color",
  "--update",
  "-u",
  "--run",
  "--hideSkippedTests",
  "--no-file-parallelism",
  "--sequence.shuffle",
  "--logHeapUsage",
  "--clearScreen",
]);

/**
 * Reads vitest's arguments as far as the gate needs: the name pattern (`-t`), and whether anything narrows the run
 * (file filters, projects, shards, …). An unknown option is taken to carry a value, so a word after it is not taken
 * for a file filter; that errs towards "whole suite", the stricter gate.
 * @param {string[]} args
 */
export function readSelection(args) {
  let namePattern;
  let narrowed = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-")) {
      narrowed = true; // a file filter
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    const value = inline ?? (FLAGS.has(flag) ? undefined : args[i + 1]);
    if (inline === undefined && !FLAGS.has(flag)) i += 1;
    if (SELECTING.has(flag)) narrowed = true;
    if (flag === "-t" || flag === "--testNamePattern" || flag === "--test-name-pattern") namePattern = value;
  }
  return { namePattern: namePattern === undefined ? undefined : new RegExp(namePattern), narrowed };
}

/**
 * Every integration test file of the workspace's projects (packages/* and apps/*, in src/ or test/), relative to root.
 * @param {string} root
 */
export function integrationFiles(root) {
  const found = [];
  for (const group of ["packages", "apps"]) {
    let names = [];
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const name of names) {
      for (const dir of ["src", "test"]) {
        const base = join(root, group, name, dir);
        let entries = [];
        try {
          entries = readdirSync(base, { recursive: true });
        } catch {
          continue;
        }
        for (const entry of entries) {
          const file = String(entry);
          if (INTEGRATION.test(file) && !file.split(/[\\/]/).includes("node_modules")) {
            found.push(relative(root, join(base, file)));
          }
        }
      }
    }
  }
  return found.sort();
}

/**
 * The verdict on one vitest JSON report.
 * @param {{ testResults?: Array<{ name: string, status?: string, assertionResults?: Array<{ status: string, fullName: string }> }> }} report
 * @param {{ args?: string[], root?: string, onDisk?: string[], minIntegration?: number }} [options]
 *   args: what was passed to vitest; onDisk: every *.int.test.ts of the tree, relative to root.
 */
export function judge(report, options = {}) {
  const { args = [], root = process.cwd(), onDisk = [], minIntegration = MIN_INTEGRATION_PASSED } = options;
  const { namePattern, narrowed } = readSelection(args);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let integrationPassed = 0;
  const integrationSkipped = [];
  const collected = new Set();
  for (const file of report.testResults ?? []) {
    const name = relative(root, resolve(root, file.name));
    const isIntegration = INTEGRATION.test(name);
    if (isIntegration) collected.add(name);
    const tests = file.assertionResults ?? [];
    if (file.status === "failed" && tests.length === 0) failed += 1; // a file that failed to load
    for (const t of tests) {
      const selected = !namePattern || namePattern.test(t.fullName);
      if (t.status === "passed") {
        passed += 1;
        if (isIntegration) integrationPassed += 1;
      } else if (t.status === "failed") failed += 1;
      else {
        skipped += 1;
        if (isIntegration && selected) integrationSkipped.push(`${name} > ${t.fullName} (${t.status})`);
      }
    }
  }

  const problems = [];
  if (passed === 0) problems.push("no test passed: a run that executes no test is a failure");
  if (integrationSkipped.length)
    problems.push(`selected integration tests did not run:\n  ${integrationSkipped.join("\n  ")}`);
  const missing = onDisk.filter((f) => !collected.has(f));
  if (!narrowed && missing.length)
    problems.push(
      `integration test files were not collected by the whole-suite run:\n  ${missing.join("\n  ")}`,
    );
  const wholeIntegrationSuite = !namePattern && (onDisk.length ? missing.length === 0 : !narrowed);
  if (wholeIntegrationSuite && integrationPassed < minIntegration)
    problems.push(
      `only ${integrationPassed} real-registry integration tests passed; the whole suite must pass at least ${minIntegration}`,
    );
  return { passed, failed, skipped, integrationPassed, problems, ok: failed === 0 && problems.length === 0 };
}

function main() {
  // scripts/test-node-versions.mjs runs this once per Node major and names each run's report.
  const report = process.env.REGATTA_TEST_REPORT || ".reports/vitest.json";
  mkdirSync(".reports", { recursive: true });
  rmSync(report, { force: true });
  const args = process.argv.slice(2);
  const vitest = spawnSync(
    "pnpm",
    [
      "exec",
      "vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...args,
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

  const envMin = Number(process.env.REGATTA_MIN_INTEGRATION_TESTS);
  const verdict = judge(json, {
    args,
    onDisk: integrationFiles(process.cwd()),
    minIntegration: Number.isInteger(envMin) && envMin >= 0 ? envMin : MIN_INTEGRATION_PASSED,
  });
  for (const p of verdict.problems) console.error(`error: ${p}`);
  const ok = verdict.ok && vitest.status === 0;
  console.log(`integration (real registry): ${verdict.integrationPassed} passed`);
  // A failed run never prints "0 failed": problems and a vitest crash count as failures too.
  const shownFailed = ok ? 0 : Math.max(1, verdict.failed + verdict.problems.length);
  const skippedNote = verdict.skipped ? `, ${verdict.skipped} skipped` : "";
  console.log(`${verdict.passed} passed, ${shownFailed} failed${skippedNote}`);
  writeFileSync(
    report.replace(/\.json$/, ".verdict.json"),
    JSON.stringify({ passed: verdict.passed, failed: shownFailed, skipped: verdict.skipped, ok }),
  );
  process.exit(ok ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
