/**
 * What opening a client takes. `cli-context.ts` loads this module (`import("./open-client.js")`) when a command first
 * talks to a registry: through `@regatta/client/connect`, the bundle's chunk for it holds the client, its transport
 * and the reads, not every verb's code (issue 12, start-up; apps/cli/build.mjs, packages/client/src/connect-entry.ts).
 */
export {
  checkHarPath,
  checkOutputDirectory,
  createClient,
  fileSystemError,
  HarRecorder,
  mergeHosts,
  writeHarFile,
  writeHarFileNow,
} from "@regatta/client/connect";
