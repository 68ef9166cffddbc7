#!/usr/bin/env node
/**
 * Copy benchmark: a generated image of 4 layers (`--layers N`) totalling 1 GiB, copied from one local CNCF
 * distribution registry to another by `regatta copy` and by `skopeo copy`, the order rotating every round, median of
 * N rounds. In the same run, the floor: the same blobs streamed by parallel `curl GET | curl PUT` pipes, one a layer
 * (no client hashing). `sync` runs before every timed copy (the registries write to disk).
 * Each copy goes into a fresh target registry, so no run finds blobs left by another. Wall time is measured around
 * the whole process (start-up included, for both tools); peak RSS comes from `/usr/bin/time -v`.
 * `REGATTA_BENCH_BASELINE=<bin.cjs of another build>` adds that build to the same rounds. bench/upload.mjs is this
 * with one layer of 200 MiB.
 *
 *   node bench/copy.mjs [--rounds 5] [--size-mib 1024] [--layers 4] [--jobs N] [--sweep 1,2,4,8] [--json FILE]
 *
 * Needs `pnpm build` first (bench/run.sh does it), docker-registry, skopeo, curl and /usr/bin/time.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  BASELINE,
  benchImage,
  CLI,
  median,
  ROOT,
  requireTools,
  rotatingRounds,
  summarize,
  timed,
} from "./lib.mjs";

const { startRegistry } = await import(join(ROOT, "packages/testkit/dist/index.js"));

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "size-mib": { type: "string", default: "1024" },
    layers: { type: "string", default: "4" },
    jobs: { type: "string" },
    sweep: { type: "string" },
    json: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(
    "node bench/copy.mjs [--rounds 5] [--size-mib 1024] [--layers 4] [--jobs N] [--sweep 1,2,4,8] [--json FILE]",
  );
  process.exit(0);
}
const rounds = Number(args.rounds);
const layers = Number(args.layers);
if (!Number.isInteger(layers) || layers < 1) {
  console.error(`--layers ${args.layers}: a whole number, 1 or more`);
  process.exit(2);
}
await requireTools(["/usr/bin/time", "skopeo", "curl", "docker-registry"]);

// ---- the image and the source registry ---------------------------------------------------------------------------
const {
  image,
  bytes,
  registry: source,
  reference: from,
} = await benchImage("copy", Number(args["size-mib"]) * 1024 * 1024, layers);

/** One copy into a fresh target registry. */
async function run(kind, jobs) {
  const target = await startRegistry({ auth: "none" });
  try {
    switch (kind) {
      case "regatta":
      case "baseline":
        return await timed(process.execPath, [
          kind === "regatta" ? CLI : BASELINE,
          "copy",
          from,
          `${target.host}/bench/copy`,
          "--json",
          ...(jobs ? ["--jobs", String(jobs)] : []),
        ]);
      case "skopeo":
        return await timed("skopeo", [
          "copy",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          `docker://${from}`,
          `docker://${target.host}/bench/copy:1`,
        ]);
      case "curl": {
        // The floor: each blob streamed from the source's GET straight into the target's PUT (upload sessions
        // opened beforehand), all at once, nothing hashed by the client; the target registry still checks digests.
        const pipes = [];
        for (const layer of image.layers) {
          const opened = await fetch(`${target.url}/v2/bench/curl/blobs/uploads/`, { method: "POST" });
          const url = new URL(opened.headers.get("location"), target.url);
          url.searchParams.set("digest", layer.digest);
          pipes.push([`${source.url}/v2/bench/large/blobs/${layer.digest}`, url.href]);
        }
        const script = pipes
          .map(
            ([get, put]) =>
              `(curl -sf '${get}' | curl -sf -X PUT -H 'Content-Type: application/octet-stream' -T - '${put}') & pids="$pids $!"`,
          )
          .join("\n");
        return await timed("bash", ["-c", `${script}\nfor p in $pids; do wait $p || exit 1; done`]);
      }
      default:
        throw new Error(kind);
    }
  } finally {
    await target.stop();
  }
}

// ---- a sweep of --jobs, to tune the default ----------------------------------------------------------------------
if (args.sweep) {
  const sweep = {};
  for (const jobs of args.sweep.split(",").map(Number)) {
    const times = [];
    for (let i = 0; i < rounds; i++) times.push((await run("regatta", jobs)).seconds);
    sweep[jobs] = median(times);
    console.error(
      `--jobs ${jobs}: median ${sweep[jobs].toFixed(2)} s (${times.map((t) => t.toFixed(2)).join(", ")})`,
    );
  }
  console.log(JSON.stringify({ sweep }, null, 2));
  process.exit(0);
}

// ---- the comparison ----------------------------------------------------------------------------------------------
console.error("warming up (page cache, binaries) …");
await run("regatta", args.jobs);
await run("skopeo");
const kinds = ["regatta", "skopeo", "curl", ...(BASELINE ? ["baseline"] : [])];
const results = await rotatingRounds(kinds, rounds, (kind) =>
  run(kind, kind === "regatta" || kind === "baseline" ? args.jobs : undefined),
);
const summary = summarize(results, bytes);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  image: { layers: image.layers.length, bytes },
  rounds,
  jobs: args.jobs ?? "default",
  ...summary,
  ratios: {
    regattaToSkopeo: summary.regatta.medianSeconds / summary.skopeo.medianSeconds,
    regattaToCurl: summary.regatta.medianSeconds / summary.curl.medianSeconds,
    skopeoToCurl: summary.skopeo.medianSeconds / summary.curl.medianSeconds,
    ...(BASELINE ? { baselineToCurl: summary.baseline.medianSeconds / summary.curl.medianSeconds } : {}),
  },
};
console.log(JSON.stringify(report, null, 2));
if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
const line = (k) =>
  `| ${k} | ${summary[k].medianSeconds.toFixed(2)} s | ${summary[k].seconds.map((s) => s.toFixed(2)).join(", ")} | ${(summary[k].medianSeconds / summary.skopeo.medianSeconds).toFixed(2)} | ${(summary[k].medianSeconds / summary.curl.medianSeconds).toFixed(2)} | ${Number.isNaN(summary[k].peakRssMiB) ? "–" : `${summary[k].peakRssMiB.toFixed(0)} MiB`} | ${summary[k].cpuSecondsPerGiB.toFixed(2)} |`;
console.error(
  [
    "",
    "| tool | median | runs | × skopeo | × curl GET\\|PUT | peak RSS | CPU s / GiB |",
    "|---|---|---|---|---|---|---|",
    ...kinds.map(line),
    "",
    `regatta / skopeo = ${report.ratios.regattaToSkopeo.toFixed(2)}, regatta / curl = ${report.ratios.regattaToCurl.toFixed(2)}, skopeo / curl = ${report.ratios.skopeoToCurl.toFixed(2)}`,
  ].join("\n"),
);
await source.stop();
