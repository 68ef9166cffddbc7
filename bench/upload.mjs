#!/usr/bin/env node
/**
 * Upload benchmark: one large blob (default 200 MiB, one incompressible layer), copied from one local CNCF
 * distribution registry to another. At 8 MiB and above Regatta uploads a blob as one streamed `PATCH` and an empty
 * `PUT ?digest=` (packages/client/src/registry-api/uploads.ts), so this times that path against what one `PUT` of the
 * same bytes costs: `skopeo copy` (which sends one streamed `PATCH` too) and the floor, `curl GET | curl -T - PUT`
 * (the session opened beforehand, nothing hashed by the client). The order rotates every round, median of N, every
 * copy into a fresh target registry, `sync` before each run, process start-up included for every tool.
 * `REGATTA_BENCH_BASELINE=<bin.cjs of another build>` adds that build to the same rounds.
 *
 *   node bench/upload.mjs [--rounds 5] [--size-mib 200] [--json FILE]
 *
 * Needs `pnpm build` first (bench/run.sh does it), docker-registry, skopeo, curl and /usr/bin/time.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BASELINE, CLI, ROOT, requireTools, rotatingRounds, summarize, timed } from "./lib.mjs";

const { generateLargeImage, pushImage, startRegistry } = await import(
  join(ROOT, "packages/testkit/dist/index.js")
);

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "size-mib": { type: "string", default: "200" },
    json: { type: "string" },
  },
});
const rounds = Number(args.rounds);
await requireTools(["/usr/bin/time", "skopeo", "curl", "docker-registry"]);

// ---- one large layer in the source registry ----------------------------------------------------------------------
const work = join(tmpdir(), `regatta-bench-upload-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const image = await generateLargeImage({
  dir: join(work, "layers"),
  layers: [Number(args["size-mib"]) * 1024 * 1024],
});
const [layer] = image.layers;
const bytes = layer.descriptor.size;
const source = await startRegistry({ auth: "none" });
await pushImage(source.url, "bench/upload", "1", image);
const from = `${source.host}/bench/upload:1`;
console.error(`${from}: one layer of ${(bytes / 1024 / 1024).toFixed(0)} MiB`);

/** One copy into a fresh target registry. */
async function run(kind) {
  const target = await startRegistry({ auth: "none" });
  try {
    switch (kind) {
      case "regatta":
      case "baseline":
        return await timed(process.execPath, [
          kind === "regatta" ? CLI : BASELINE,
          "copy",
          from,
          `${target.host}/bench/upload`,
          "--json",
        ]);
      case "skopeo":
        return await timed("skopeo", [
          "copy",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          `docker://${from}`,
          `docker://${target.host}/bench/upload:1`,
        ]);
      case "curl": {
        // The floor: the blob streamed from the source's GET straight into one PUT with the bytes (session opened
        // beforehand); the target registry still checks the digest.
        const opened = await fetch(`${target.url}/v2/bench/upload/blobs/uploads/`, { method: "POST" });
        const put = new URL(opened.headers.get("location"), target.url);
        put.searchParams.set("digest", layer.digest);
        return await timed("bash", [
          "-c",
          `curl -sf '${source.url}/v2/bench/upload/blobs/${layer.digest}' | curl -sf -X PUT -H 'Content-Type: application/octet-stream' -T - '${put.href}'`,
        ]);
      }
      default:
        throw new Error(kind);
    }
  } finally {
    await target.stop();
  }
}

console.error("warming up (page cache, binaries) …");
await run("regatta");
await run("curl");
const kinds = ["regatta", "skopeo", "curl", ...(BASELINE ? ["baseline"] : [])];
const results = await rotatingRounds(kinds, rounds, (kind) => run(kind));
const summary = summarize(results, bytes);
const ratio = (a, b) => summary[a].medianSeconds / summary[b].medianSeconds;
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  blob: { bytes },
  rounds,
  ...summary,
  ratios: {
    regattaToCurl: ratio("regatta", "curl"),
    regattaToSkopeo: ratio("regatta", "skopeo"),
    skopeoToCurl: ratio("skopeo", "curl"),
    ...(BASELINE ? { baselineToCurl: ratio("baseline", "curl") } : {}),
  },
};
console.log(JSON.stringify(report, null, 2));
if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
const line = (k) =>
  `| ${k} | ${summary[k].medianSeconds.toFixed(2)} s | ${summary[k].seconds.map((s) => s.toFixed(2)).join(", ")} | ${ratio(k, "curl").toFixed(2)} | ${ratio(k, "skopeo").toFixed(2)} | ${summary[k].peakRssMiB.toFixed(0)} MiB | ${summary[k].medianCpuSeconds.toFixed(2)} |`;
console.error(
  [
    "",
    "| tool | median | runs | × curl PUT | × skopeo | peak RSS | CPU s |",
    "|---|---|---|---|---|---|---|",
    ...kinds.map(line),
  ].join("\n"),
);
await source.stop();
