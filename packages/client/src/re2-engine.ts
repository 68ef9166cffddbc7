/**
 * re2js, loaded on first use and synchronously, so that tag filters stay plain predicates: a module that imported
 * it would cost every command that opens a client about 70 ms (tag-pattern.ts says why RE2). The CLI's bundle
 * replaces this file with a `require` that esbuild bundles (apps/cli/build.mjs, `bundledRe2`).
 */
import { createRequire } from "node:module";
import type * as Re2 from "re2js";

let engine: typeof Re2 | undefined;

/** The re2js module, loaded on the first call. */
export function re2(): typeof Re2 {
  engine ??= createRequire(import.meta.url)("re2js") as typeof Re2;
  return engine;
}
