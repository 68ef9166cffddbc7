/**
 * The settings every test project shares, in one place: `export default regattaProject("auth")` in each
 * package's vitest.config.ts.
 *
 * Sibling packages resolve to their TypeScript source, not to their built `dist/` (issue 11): a one-package run
 * (`pnpm exec vitest run --project client`) after an edit in transport tests the transport on disk, with no build
 * in between. Only vitest sees these aliases; Node, tsc and published packages use `exports` and `dist/` as
 * before, and tests that spawn the CLI or the REPL still run their build. REGATTA_TEST_BUILT=1 turns the aliases
 * off, to test the built packages as users get them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineProject, type UserWorkspaceConfig } from "vitest/config";

const root = dirname(fileURLToPath(import.meta.url));

/**
 * `@regatta/<name>` → `<package>/src/index.ts`, for every workspace package that has one, and each subpath export
 * (`@regatta/client/connect`) → the source of the file it exports (`dist/connect-entry.js` → `src/connect-entry.ts`).
 */
export function sourceAliases(): { find: RegExp; replacement: string }[] {
  const exact = (specifier: string) => new RegExp(`^${specifier.replace(/[/.]/g, "\\$&")}$`);
  return ["packages", "apps"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((dir) => join(root, group, dir))
      .filter((dir) => existsSync(join(dir, "package.json")) && existsSync(join(dir, "src/index.ts")))
      .flatMap((dir) => {
        const { name, exports = {} } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
          name: string;
          exports?: Record<string, string | { default?: string }>;
        };
        const subpaths = Object.entries(exports).flatMap(([key, target]) => {
          const file = typeof target === "string" ? target : target.default;
          const source = file?.match(/^\.\/dist\/(.+)\.js$/)?.[1];
          return key.startsWith("./") && source && existsSync(join(dir, `src/${source}.ts`))
            ? [{ find: exact(`${name}/${key.slice(2)}`), replacement: join(dir, `src/${source}.ts`) }]
            : [];
        });
        return [{ find: exact(name), replacement: join(dir, "src/index.ts") }, ...subpaths];
      }),
  );
}

export function regattaProject(name: string, test: UserWorkspaceConfig["test"] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: { alias: process.env.REGATTA_TEST_BUILT ? [] : sourceAliases() },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      // Generous: a hung test is still caught, and a busy 2-core CI machine (three Node majors, spawned CLIs, a real
      // registry) took some integration tests past 30 s while they passed in 10 alone. Speed is measured in bench/.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      // The files of a project share their worker's modules instead of each importing the workspace's sources
      // afresh: isolated, every file re-evaluated @regatta/client, msw, undici and the rest (vitest counted 660 s of
      // imports, summed over files, in a 1325 s Node 20 run; 82 s without isolation: docs/testing.md, "How long
      // the suite takes"). A file that mocks a module (`vi.mock`) or needs a module's state fresh belongs in a
      // project that sets `isolate: true` (auth does); spies and stubbed env are restored between files either way.
      isolate: false,
      // A test that asserts nothing passes whatever the code does (issue 10): every test must call expect.
      expect: { requireAssertions: true },
      ...test,
    },
  });
}
