import { defineProject } from "vitest/config";

/** The repository's own scripts (the test runner's integration gate). */
export default defineProject({
  test: {
    name: "scripts",
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/fixtures/**"],
    testTimeout: 60_000,
    expect: { requireAssertions: true },
  },
});
