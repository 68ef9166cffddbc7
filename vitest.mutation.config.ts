/**
 * The vitest configuration Stryker runs for one package (`pnpm mutation <package>`, see docs/testing.md): the
 * package's own project with its integration tests left out, so that each mutant costs milliseconds, not a
 * registry start. The package comes from REGATTA_MUTATION_PACKAGE, which scripts/mutation.mjs sets.
 *
 * Also left out: the fuzz tests (100,000 generated inputs per parser, run in CI, would run for every mutant of a
 * parser) and the few sweeps that spawn real processes for seconds and run through nearly every function
 * (auth's no-secrets sweep takes 7 s, the credential helper bounds 11 s, the client's blob memory bounds 15 s). With per-test coverage they would run
 * for almost every mutant and make a run take hours on a shared machine; the normal suite still runs them, and
 * what they promise is held, mutant by mutant, by fast unit tests.
 */
import { configDefaults, defineProject, mergeConfig } from "vitest/config";
import auth from "./packages/auth/vitest.config.ts";
import client from "./packages/client/vitest.config.ts";
import transport from "./packages/transport/vitest.config.ts";

const bases = { auth, client, transport };
const slowSweeps = [
  "src/no-secrets.test.ts",
  "src/credential-helper-bounds.test.ts",
  // Streams 512 MiB with forced collections (10–20 s); blobs.ts's mutants are held by the fast blob tests.
  "src/registry-api/blob-memory.test.ts",
];
const name = process.env.REGATTA_MUTATION_PACKAGE as keyof typeof bases;
if (!bases[name]) throw new Error(`REGATTA_MUTATION_PACKAGE must be one of ${Object.keys(bases).join(", ")}`);

export default mergeConfig(
  bases[name],
  defineProject({
    root: `packages/${name}`,
    test: { exclude: [...configDefaults.exclude, "**/*.int.test.ts", "**/*.fuzz.test.ts", ...slowSweeps] },
  }),
);
