#!/usr/bin/env node
/**
 * What one request of each kind costs the local CNCF distribution in CPU (bench/README.md, "Sync"): 300 requests of
 * each kind a sync makes, `--concurrency` at once over keep-alive connections, against one fresh registry, its CPU
 * time read from /proc before and after. It says how much of a sync's wall time the registries take on this machine
 * whatever the client, which is what bounds `bench/sync.mjs` here.
 *
 *   node bench/request-cost.mjs [--requests 300] [--concurrency 8] [--pipelining 1] [--rounds 1] [--json FILE]
 *
 * With `--rounds N` each kind is measured N times (a fresh registry each round) and the median reported.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { median, ROOT, requireTools } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "300" },
    concurrency: { type: "string", default: "8" },
    pipelining: { type: "string", default: "1" },
    rounds: { type: "string", default: "1" },
    json: { type: "string" },
  },
});
await requireTools(["docker-registry"]);
const { Pool } = createRequire(join(ROOT, "packages/transport/package.json"))("undici");
const { startRegistry } = await import(join(ROOT, "packages/testkit/dist/index.js"));

/** CPU seconds used so far by every docker-registry process (utime + stime from /proc/PID/stat). */
function registryCpu() {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.includes("(docker-registry)")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

const N = Number(args.requests);
const C = Number(args.concurrency);
const rows = [];
for (let round = 0; round < Number(args.rounds); round++) await oneRound();

async function oneRound() {
  const registry = await startRegistry({ auth: "none" });
  const pool = new Pool(registry.url, { connections: 16, pipelining: Number(args.pipelining) });
  async function measure(kind, send) {
    const cpu = registryCpu();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) await send(next++);
      }),
    );
    rows.push({ kind, cpuMs: ((registryCpu() - cpu) / N) * 1000, wallMs: (performance.now() - started) / N });
  }
  const call = async (options) => {
    const response = await pool.request(options);
    await response.body.dump();
    return response;
  };
  const blobs = Array.from({ length: N }, () => {
    const bytes = randomBytes(2048);
    return { bytes, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` };
  });
  const uploads = [];
  const manifest = (i) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: blobs[i].digest,
          size: 2048,
        },
        layers: [
          {
            mediaType: "application/vnd.oci.image.layer.v1.tar",
            digest: blobs[(i + 1) % N].digest,
            size: 2048,
          },
        ],
      }),
    );
  const accept = { accept: "application/vnd.oci.image.manifest.v1+json" };
  await measure("GET /v2/", () => call({ method: "GET", path: "/v2/" }));
  await measure("blob POST", async (i) => {
    uploads[i] = (await call({ method: "POST", path: "/v2/bench/r/blobs/uploads/" })).headers.location;
  });
  await measure("blob PUT", async (i) => {
    const url = new URL(uploads[i], registry.url);
    url.searchParams.set("digest", blobs[i].digest);
    await call({ method: "PUT", path: url.pathname + url.search, body: blobs[i].bytes });
  });
  await measure("blob HEAD", (i) => call({ method: "HEAD", path: `/v2/bench/r/blobs/${blobs[i].digest}` }));
  await measure("blob GET", (i) => call({ method: "GET", path: `/v2/bench/r/blobs/${blobs[i].digest}` }));
  await measure("manifest PUT", (i) =>
    call({
      method: "PUT",
      path: `/v2/bench/r/manifests/t${i}`,
      body: manifest(i),
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    }),
  );
  await measure("manifest HEAD", (i) =>
    call({ method: "HEAD", path: `/v2/bench/r/manifests/t${i}`, headers: accept }),
  );
  await measure("manifest GET", (i) =>
    call({ method: "GET", path: `/v2/bench/r/manifests/t${i}`, headers: accept }),
  );
  await pool.close();
  await registry.stop();
}
const kinds = [...new Set(rows.map((r) => r.kind))].map((kind) => {
  const of = rows.filter((r) => r.kind === kind);
  return { kind, cpuMs: median(of.map((r) => r.cpuMs)), wallMs: median(of.map((r) => r.wallMs)) };
});
console.log(
  `${N} requests each, ${C} at once, median of ${args.rounds}; registry CPU and wall time per request`,
);
console.log("| request | registry CPU (ms) | wall (ms) |\n| --- | --- | --- |");
for (const r of kinds) console.log(`| ${r.kind} | ${r.cpuMs.toFixed(2)} | ${r.wallMs.toFixed(2)} |`);
if (args.json)
  writeFileSync(args.json, `${JSON.stringify({ requests: N, concurrency: C, kinds }, null, 2)}\n`);
