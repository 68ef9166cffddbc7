/**
 * `@regatta/client/connect`: opening a client, and nothing else of the index. The index offers every verb's module
 * too, and a bundler splitting code by module (esbuild, which builds apps/cli) loads all of them with any import of
 * it that another entry imports whole (the REPL does); through this entry, a command that reads a manifest loads
 * the client, its transport and the reads, and the verbs load when first called (registry-client.ts).
 */

// How an app reports a file it could not write (stdout included): in the same chunk as opening a client, so a write
// that fails once a command has its client names the cause at once (apps/cli/src/bin.ts).
export { fileSystemError } from "@regatta/layout";
export type { HarEntry, HarLog } from "@regatta/transport";
export { HarRecorder } from "@regatta/transport";
export { checkCredentials, connect, createClient, hasExplicitCredentials } from "./connect.js";
export type { ConnectOptions } from "./connect-options.js";
export { checkHarPath, checkOutputDirectory, writeHarFile, writeHarFileNow } from "./har-file.js";
export { type HostSettings, type Hosts, type HostTls, mergeHosts } from "./hosts.js";
