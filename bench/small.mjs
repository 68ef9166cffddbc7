#!/usr/bin/env node
/**
 * Many small blobs (issue 15): an image of 200 layers of 20 KB in a local CNCF distribution registry, where the cost
 * per request decides, not the bytes. Timed in one run, the order rotating every round, median of N rounds, `sync`
 * before each run:
 * - copy into a fresh target registry: `regatta copy` against `skopeo copy docker:// docker://`;
 * - pull into a fresh OCI layout: `regatta pull` against `skopeo copy docker:// oci:`.
 * Wall time includes process start-up for every tool (a script pays it too); peak RSS and CPU from /usr/bin/time.
 *
 *   node bench/small.mjs [--rounds 5] [--layers 200] [--layer-bytes 20000] [--json FILE]
 *
 * Needs `pnpm build` first (bench/run.sh does it), docker-registry, skopeo and /usr/bin/time.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BASELINE, CLI, median, ROOT, requireTools, syncDisks, timed } from "./lib.mjs";

// Not strict: bench/run.sh hands every benchmark the same arguments, some of them meant for another one.
const { values: args } = parseArgs({
  strict: false,
  options: {
    rounds: { type: "string", default: "5" },
    layers: { type: "string", default: "200" },
    "layer-bytes": { type: "string", default: "20000" },
    json: { type: "string" },
  },
});
const rounds = Number(args.rounds);
await requireTools(["/usr/bin/time", "skopeo", "docker-registry"]);
const { generateImage, pushImage, startRegistry } = await import(
  join(ROOT, "packages/testkit/dist/index.js")
);

const layerCount = Number(args.layers);
const image = await generateImage({
  layers: Array(layerCount).fill(Number(args["layer-bytes"])),
  seed: "bench-small",
});
const source = await startRegistry({ auth: "none" });
await pushImage(source.url, "bench/small", "1", image);
const from = `${source.host}/bench/small:1`;
const work = join(tmpdir(), `regatta-bench-small-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
console.error(`${from}: ${layerCount} layers of ${args["layer-bytes"]} bytes`);

const skopeo = ["copy", "-q", "--insecure-policy", "--src-tls-verify=false", "--dest-tls-verify=false"];

/** One run of `kind` into a fresh destination. */
async function run(kind) {
  const out = join(work, "out");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  if (kind.endsWith("-pull")) {
    syncDisks();
    if (kind === "skopeo-pull")
      return timed("skopeo", [...skopeo, `docker://${from}`, `oci:${out}/layout:1`]);
    return timed(process.execPath, [
      kind === "regatta-pull" ? CLI : BASELINE,
      "pull",
      "--json",
      from,
      `${out}/layout`,
    ]);
  }
  const target = await startRegistry({ auth: "none" });
  try {
    syncDisks();
    if (kind === "skopeo-copy")
      return await timed("skopeo", [...skopeo, `docker://${from}`, `docker://${target.host}/bench/copy:1`]);
    return await timed(process.execPath, [
      kind === "regatta-copy" ? CLI : BASELINE,
      "copy",
      "--json",
      from,
      `${target.host}/bench/copy:1`,
    ]);
  } finally {
    await target.stop();
  }
}

const kinds = [
  "regatta-copy",
  "skopeo-copy",
  "regatta-pull",
  "skopeo-pull",
  ...(BASELINE ? ["baseline-copy", "baseline-pull"] : []),
];
const results = Object.fromEntries(kinds.map((k) => [k, []]));
try {
  await run("regatta-pull"); // warm the page cache and the registry once, untimed
  await run("skopeo-pull");
  for (let round = 0; round < rounds; round++) {
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
    for (const kind of order) {
      const r = await run(kind);
      results[kind].push(r);
      console.error(
        `round ${round + 1}/${rounds} ${kind.padEnd(14)} ${r.seconds.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB, ${r.cpuSeconds.toFixed(2)} CPU s`,
      );
    }
  }
} finally {
  await source.stop();
}

const summary = Object.fromEntries(
  kinds.map((k) => [
    k,
    {
      seconds: median(results[k].map((r) => r.seconds)),
      runs: results[k].map((r) => Number(r.seconds.toFixed(3))),
      rssMiB: Math.max(...results[k].map((r) => r.rssMiB)),
      cpuSeconds: median(results[k].map((r) => r.cpuSeconds)),
    },
  ]),
);
console.log(
  `\n${layerCount} layers of ${args["layer-bytes"]} bytes, median of ${rounds}, sync before each run, ${new Date().toISOString()}\n`,
);
console.log("| what | wall (s) | × skopeo | peak RSS (MiB) | CPU (s) |\n|---|---|---|---|---|");
for (const kind of kinds) {
  const versus = summary[kind.replace(/^(regatta|baseline)/, "skopeo")].seconds;
  const s = summary[kind];
  console.log(
    `| ${kind} | ${s.seconds.toFixed(2)} | ${(s.seconds / versus).toFixed(2)} | ${s.rssMiB.toFixed(0)} | ${s.cpuSeconds.toFixed(2)} |`,
  );
}
if (args.json)
  writeFileSync(args.json, JSON.stringify({ layers: layerCount, rounds, summary, results }, null, 2));
