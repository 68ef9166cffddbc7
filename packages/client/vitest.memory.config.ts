import { regattaProject } from "../../vitest.project.ts";

/**
 * The tests that measure this process's live memory against a baseline taken after a full collection. In a worker
 * shared with other files (`isolate: false`, vitest.project.ts), buffers an earlier file still held can be freed
 * during the measured transfer and hide its own (docs/testing.md, "How long the suite takes"), so these files get a
 * fresh process each.
 */
export const memoryTests = ["src/registry-api/blob-memory.test.ts", "src/files/files-memory.int.test.ts"];

export default regattaProject("client-memory", { include: memoryTests, isolate: true });
