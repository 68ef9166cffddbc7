// @ts-check
/**
 * Stryker mutation testing of the modules whose promises matter most (issue 10): auth, transport, and the client's
 * registry API (registry-api/), copy, manifest and pagination code. One package per run (`pnpm mutation auth`), unit
 * tests only, incremental. scripts/mutation.mjs sets REGATTA_MUTATION_PACKAGE; see docs/testing.md.
 */

/** What each package mutates: its source, never its tests or test helpers. */
const scopes = {
  auth: ["packages/auth/src/**/*.ts"],
  transport: ["packages/transport/src/**/*.ts"],
  client: [
    "packages/client/src/copy.ts",
    "packages/client/src/copy/**/*.ts",
    "packages/client/src/get-manifest.ts",
    "packages/client/src/put-manifest.ts",
    "packages/client/src/list-tags.ts",
    "packages/client/src/catalog.ts",
    // The registry API: every endpoint (blobs, uploads, manifests, tags, catalog, pages, paths; issue 11, item 1).
    "packages/client/src/registry-api/**/*.ts",
  ],
};
/** Files that hold no behaviour of their own (re-exports, types) or exist only for tests. */
const notMutated = ["!**/*.test.ts", "!**/index.ts", "!**/types.ts", "!**/test-helpers.ts"];

const name = process.env.REGATTA_MUTATION_PACKAGE ?? "";
/** Reports are named for the package, or for a label when part of a package is run beside another part. */
const label = process.env.REGATTA_MUTATION_LABEL || name;
const scope = scopes[/** @type {keyof typeof scopes} */ (name)];
if (!scope) throw new Error(`REGATTA_MUTATION_PACKAGE must be one of ${Object.keys(scopes).join(", ")}`);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner", "./scripts/stryker-survivors.mjs"],
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  mutate: [...scope, ...notMutated],
  // The sandbox holds only the package under test; the others are reached, built, through its node_modules links.
  ignorePatterns: [
    "/apps",
    "/bench",
    "/docs",
    "/scripts",
    "/packages/*/*",
    "!/packages/*/vitest.config.ts",
    `!/packages/${name}/*`,
    "node_modules",
    "dist",
    ".turbo",
    // Other runs' sandboxes and reports, and scratch files: a labelled run beside another must not copy them.
    "/.stryker-tmp",
    "/.reports",
    "/.tmp",
  ],
  coverageAnalysis: "perTest",
  // A static mutant (a module-level constant) is covered by every test, so each would rerun the whole package;
  // they are reported as ignored rather than tested.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `.reports/mutation/${label}.incremental.json`,
  reporters: ["clear-text", "progress", "html", "json", "survivors"],
  htmlReporter: { fileName: `.reports/mutation/${label}.html` },
  jsonReporter: { fileName: `.reports/mutation/${label}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: 90 },
  concurrency: 1,
  timeoutMS: 10_000,
  // The initial run of every test, before any mutant: on a loaded two-core machine it takes longer than the
  // default 5 minutes.
  dryRunTimeoutMinutes: 30,
  tempDirName: `.stryker-tmp/${label}`,
  cleanTempDir: true,
};
