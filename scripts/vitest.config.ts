import { regattaProject } from "../vitest.project.ts";

/** The repository's own scripts (the test runner's integration gate). */
export default regattaProject("scripts", {
  include: ["**/*.test.ts"],
  exclude: ["**/node_modules/**", "**/fixtures/**"],
  testTimeout: 60_000,
});
