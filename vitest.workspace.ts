/**
 * The single list of test projects. vitest 4 no longer reads this file on its own, so the root
 * vitest.config.ts imports it (see ../shared/TOOLCHAIN.md).
 */
export const projects = [
  "packages/*/vitest.config.ts",
  // client's memory tests, each in a fresh process (packages/client/vitest.memory.config.ts).
  "packages/client/vitest.memory.config.ts",
  "apps/*/vitest.config.ts",
  "scripts/vitest.config.ts",
];
