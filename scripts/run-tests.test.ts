import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { integrationFiles, judge, readSelection } from "./run-tests.mjs";

type Status = "passed" | "failed" | "skipped" | "todo" | "pending";
const file = (name: string, ...tests: Array<[string, Status]>) => ({
  name: `/repo/${name}`,
  status: tests.some(([, s]) => s === "failed") ? "failed" : "passed",
  assertionResults: tests.map(([fullName, status]) => ({ fullName, status })),
});
const passing = (prefix: string, n: number): Array<[string, Status]> =>
  Array.from({ length: n }, (_, i) => [`${prefix} ${i}`, "passed"]);
const INT = ["packages/client/src/read.int.test.ts", "apps/cli/src/cli-read.int.test.ts"];
const opts = (args: string[], extra = {}) => ({
  args,
  root: "/repo",
  onDisk: INT,
  minIntegration: 3,
  ...extra,
});
const wholeSuite = () => ({
  testResults: [
    file("packages/auth/src/scope.test.ts", ...passing("scope", 5)),
    file(INT[0], ...passing("client read", 2)),
    file(INT[1], ...passing("cli read", 2)),
  ],
});

describe("judge: the whole suite (no arguments, as CI runs it)", () => {
  it("passes when every test passed and enough real-registry tests ran", () => {
    expect(judge(wholeSuite(), opts([]))).toMatchObject({
      ok: true,
      passed: 9,
      failed: 0,
      integrationPassed: 4,
      problems: [],
    });
  });

  it("fails when fewer real-registry tests passed than the minimum", () => {
    const verdict = judge(wholeSuite(), opts([], { minIntegration: 5 }));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([expect.stringMatching(/only 4 real-registry .* at least 5/)]);
  });

  it("holds the minimum with output-only options too (--reporter verbose is not a selection)", () => {
    const verdict = judge(wholeSuite(), opts(["--reporter", "verbose"], { minIntegration: 5 }));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems[0]).toMatch(/at least 5/);
  });

  it("fails when an integration file of the tree was not collected at all", () => {
    const report = wholeSuite();
    report.testResults.pop();
    const verdict = judge(report, opts([], { minIntegration: 1 }));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([
      expect.stringContaining("were not collected by the whole-suite run:\n  apps/cli"),
    ]);
  });

  it("fails, naming it, when a real-registry test was skipped", () => {
    const report = wholeSuite();
    report.testResults[1].assertionResults.push({
      fullName: "client read needs a registry",
      status: "skipped",
    });
    const verdict = judge(report, opts([]));
    expect(verdict.ok).toBe(false);
    expect(verdict.skipped).toBe(1);
    expect(verdict.problems).toEqual([
      expect.stringContaining(`${INT[0]} > client read needs a registry (skipped)`),
    ]);
  });

  it("counts a todo integration test as not run, but a skipped unit test as no problem", () => {
    const report = wholeSuite();
    report.testResults[0].assertionResults.push({ fullName: "scope later", status: "skipped" });
    expect(judge(report, opts([])).ok).toBe(true);
    report.testResults[2].assertionResults.push({ fullName: "cli read later", status: "todo" });
    expect(judge(report, opts([])).problems).toEqual([expect.stringContaining("cli read later (todo)")]);
  });

  it("counts a file that failed to load, and a failed test, as failures", () => {
    const report = wholeSuite();
    report.testResults.push({
      name: "/repo/packages/auth/src/broken.test.ts",
      status: "failed",
      assertionResults: [],
    });
    expect(judge(report, opts([]))).toMatchObject({ ok: false, failed: 1, problems: [] });
    report.testResults[0].assertionResults[0].status = "failed";
    expect(judge(report, opts([]))).toMatchObject({ ok: false, failed: 2, passed: 8 });
  });

  it("fails a run in which no test passed", () => {
    const verdict = judge({ testResults: [] }, opts(["--project", "auth"]));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([expect.stringContaining("no test passed")]);
  });
});

describe("judge: a selection (--project, file filters, -t)", () => {
  it("asks nothing of integration tests when the selection has none (--project auth)", () => {
    const report = { testResults: [file("packages/auth/src/scope.test.ts", ...passing("scope", 3))] };
    expect(judge(report, opts(["--project", "auth"]))).toMatchObject({ ok: true, integrationPassed: 0 });
  });

  it("requires every selected integration test to run (--project client with a registry missing)", () => {
    const report = {
      testResults: [file(INT[0], ["client read tags", "passed"], ["client read blob", "skipped"])],
    };
    const verdict = judge(report, opts(["--project", "client"]));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([expect.stringContaining("client read blob (skipped)")]);
  });

  it("does not demand the whole suite's minimum of a file filter", () => {
    const report = { testResults: [file(INT[0], ...passing("client read", 1))] };
    expect(judge(report, opts(["read.int"], { minIntegration: 100 }))).toMatchObject({
      ok: true,
      problems: [],
    });
  });

  it("requires the minimum again when a filter still covers every integration file", () => {
    const verdict = judge(wholeSuite(), opts(["src/"], { minIntegration: 100 }));
    expect(verdict.problems).toEqual([expect.stringContaining("at least 100")]);
  });

  it("with -t, ignores the integration tests the pattern leaves out and requires those it selects", () => {
    const report = {
      testResults: [
        file(INT[0], ["client read tags", "passed"], ["client read blob", "skipped"]),
        file("packages/auth/src/scope.test.ts", ["scope tags", "passed"], ["scope other", "skipped"]),
      ],
    };
    expect(judge(report, opts(["-t", "tags"]))).toMatchObject({ ok: true, skipped: 2, problems: [] });
    const selectingTheSkipped = judge(report, opts(["--testNamePattern=read (tags|blob)"]));
    expect(selectingTheSkipped.ok).toBe(false);
    expect(selectingTheSkipped.problems).toEqual([expect.stringContaining("client read blob (skipped)")]);
  });

  it("reads -t as vitest does: a regular expression over the full name", () => {
    const report = { testResults: [file(INT[0], ["outer alpha", "skipped"], ["outer beta", "passed"])] };
    expect(judge(report, opts(["-t", "^outer b"])).ok).toBe(true);
    expect(judge(report, opts(["-t", "^alpha"])).ok).toBe(true); // "outer alpha" does not start with alpha
    expect(judge(report, opts(["-t", "^outer a"])).ok).toBe(false);
  });
});

describe("readSelection", () => {
  it.each([
    [[], false, undefined],
    [["--reporter", "verbose"], false, undefined],
    [["--reporter=verbose", "--bail", "1"], false, undefined],
    [["--passWithNoTests", "read"], true, undefined],
    [["read.int"], true, undefined],
    [["--project", "client"], true, undefined],
    [["--project=client"], true, undefined],
    [["--shard=1/2"], true, undefined],
    [["-t", "a b"], true, "a b"],
    [["-t=x=y"], true, "x=y"],
    [["--testNamePattern", "z"], true, "z"],
  ])("%j: narrowed %s, pattern %s", (args, narrowed, pattern) => {
    const selection = readSelection(args);
    expect(selection.narrowed).toBe(narrowed);
    expect(selection.namePattern?.source).toBe(pattern);
  });
});

describe("integrationFiles", () => {
  it("finds every *.int.test.ts under packages/* and apps/*, in src/ and test/, never in node_modules", () => {
    const root = mkdtempSync(join(tmpdir(), "regatta-gate-"));
    try {
      for (const f of [
        "packages/a/src/x.int.test.ts",
        "packages/a/src/deep/y.int.test.ts",
        "packages/a/src/x.test.ts",
        "packages/a/node_modules/z/src/z.int.test.ts",
        "packages/a/src/node_modules/q.int.test.ts",
        "apps/b/test/w.int.test.ts",
        "apps/b/dist/w.int.test.ts",
      ]) {
        mkdirSync(join(root, f, ".."), { recursive: true });
        writeFileSync(join(root, f), "");
      }
      expect(integrationFiles(root)).toEqual([
        "apps/b/test/w.int.test.ts",
        "packages/a/src/deep/y.int.test.ts",
        "packages/a/src/x.int.test.ts",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("lists this repository's integration files (the gate's view of the tree is not empty)", () => {
    const files: string[] = integrationFiles(resolve(__dirname, ".."));
    expect(files).toContain("packages/client/src/read.int.test.ts");
    expect(files.every((f) => f.endsWith(".int.test.ts"))).toBe(true);
  });
});

describe("run-tests.mjs as a process, on a tiny project", () => {
  const root = mkdtempSync(join(tmpdir(), "regatta-run-tests-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "packages/p/src"), { recursive: true });
  mkdirSync(join(root, "node_modules/.bin"), { recursive: true });
  symlinkSync(resolve(__dirname, "../node_modules/vitest"), join(root, "node_modules/vitest"));
  symlinkSync(resolve(__dirname, "../node_modules/.bin/vitest"), join(root, "node_modules/.bin/vitest"));
  writeFileSync(join(root, "package.json"), '{ "name": "fixture", "private": true, "type": "module" }\n');
  writeFileSync(
    join(root, "vitest.config.mjs"),
    'export default { test: { include: ["packages/*/src/*.test.ts"] } };\n',
  );
  writeFileSync(
    join(root, "packages/p/src/unit.test.ts"),
    'import { expect, it } from "vitest";\nit("unit adds", () => expect(1 + 1).toBe(2));\n',
  );
  writeFileSync(
    join(root, "packages/p/src/registry.int.test.ts"),
    'import { expect, it } from "vitest";\nit.skipIf(true)("registry pulls", () => expect(1).toBe(1));\n',
  );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [resolve(__dirname, "run-tests.mjs"), ...args], {
      cwd: root,
      encoding: "utf8",
      // The outer vitest's own variables would make the inner one think it runs inside a worker.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST"))),
        REGATTA_MIN_INTEGRATION_TESTS: "0",
        NO_COLOR: "1",
      },
    });

  it("fails the run when the selected integration test skipped itself, and passes a -t that leaves it out", () => {
    const all = run();
    expect(all.stderr).toContain("packages/p/src/registry.int.test.ts > registry pulls (skipped)");
    expect(all.stdout).toMatch(/^1 passed, 1 failed, 1 skipped$/m);
    expect(all.status).toBe(1);

    const unitOnly = run("-t", "unit");
    expect(unitOnly.stdout).toMatch(/^1 passed, 0 failed, 1 skipped$/m);
    expect(unitOnly.status).toBe(0);
  });
});
