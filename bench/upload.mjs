#!/usr/bin/env node
/**
 * Upload benchmark: bench/copy.mjs with one large blob (default 200 MiB, one incompressible layer). At 8 MiB and
 * above Regatta uploads a blob as one streamed `PATCH` and an empty `PUT ?digest=`
 * (packages/client/src/registry-api/uploads.ts), so this times that path against `skopeo copy` (which sends one
 * streamed `PATCH` too) and the floor, one `curl GET | curl -T - PUT` (one `PUT` of the bytes, the session opened
 * beforehand, nothing hashed by the client). Every option of copy.mjs is taken and wins over these defaults.
 *
 *   node bench/upload.mjs [--rounds 5] [--size-mib 200] [--json FILE]   (= node bench/copy.mjs --layers 1 --size-mib 200 …)
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const copy = join(import.meta.dirname, "copy.mjs");
const { status, signal } = spawnSync(
  process.execPath,
  [copy, "--layers", "1", "--size-mib", "200", ...process.argv.slice(2)],
  { stdio: "inherit" },
);
process.exit(status ?? (signal ? 1 : 0));
