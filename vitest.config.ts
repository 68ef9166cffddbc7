import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { projects } from "./vitest.workspace.js";

/**
 * scripts/test-node-versions.mjs runs the whole suite once per Node major on the same sources and names a directory
 * here for the runs to share: vite's transform of each file (keyed by its content and the project's config) is then
 * done by the first major and read by the others. Only for that one invocation (it removes the directory), as vitest
 * marks the cache experimental; a plain `vitest run` transforms afresh as before.
 */
const moduleCache = process.env.REGATTA_VITEST_MODULE_CACHE;

export default defineConfig({
  test: {
    projects,
    ...(moduleCache ? { experimental: { fsModuleCache: true, fsModuleCachePath: moduleCache } } : {}),
    // vitest runs cores − 1 files at once: one on this project's 2-core machines. Most files wait (on registries,
    // spawned CLIs, timeouts) more than they compute, so two at once took the Node 20 run from about 1.2 s to 1.0 s
    // per 10 tests (4854 tests in 544 s); three at once under load showed timing flakes. At least two, cores if more.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
