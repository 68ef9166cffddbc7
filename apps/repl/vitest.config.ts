import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "repl",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A test that asserts nothing passes whatever the code does (issue 10): every test must call expect.
    expect: { requireAssertions: true },
  },
});
