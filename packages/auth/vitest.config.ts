import { regattaProject } from "../../vitest.project.ts";

// Isolated: read-json-file-odd-errors.test.ts mocks node:fs/promises, which would reach the files after it in a
// shared worker, and credential-helper-process.test.ts loads a fresh copy of its module (vitest.project.ts).
export default regattaProject("auth", { isolate: true });
