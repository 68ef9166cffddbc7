#!/usr/bin/env node
/**
 * Pull benchmark: a generated image of 4 layers totalling 1 GiB, pulled from a local CNCF distribution registry to
 * disk by `regatta pull` and by `skopeo copy`, each to an OCI layout and to a docker tarball, the order rotating
 * every round, median of N rounds. Every run writes into a fresh destination (nothing to resume), after `sync`
 * (no run pays for the previous one's dirty pages). In the same run, the floor: the four blobs written to files by 4
 * parallel `curl -o` (no hashing), and Node's sha256 throughput over 1 GiB. Wall time is measured around the whole
 * process (start-up included, for every tool); peak RSS and CPU seconds come from `/usr/bin/time -v`.
 *
 *   node bench/pull.mjs [--rounds 5] [--size-mib 1024] [--json FILE]
 *
 * Needs `pnpm build` first (bench/run.sh does it), docker-registry, skopeo, curl and /usr/bin/time.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BASELINE, benchImage, CLI, median, perGiB, requireTools, syncDisks, timed } from "./lib.mjs";

// Not strict: bench/run.sh hands every benchmark the same arguments, some of them meant for another one.
const { values: args } = parseArgs({
  strict: false,
  options: {
    rounds: { type: "string", default: "5" },
    "size-mib": { type: "string", default: "1024" },
    json: { type: "string" },
  },
});
const rounds = Number(args.rounds);
await requireTools(["/usr/bin/time", "skopeo", "curl", "docker-registry"]);
const {
  work,
  image,
  bytes,
  registry,
  reference: from,
} = await benchImage("pull", Number(args["size-mib"]) * 1024 * 1024);
const out = join(work, "out");

/** One pull into a fresh destination. */
async function run(kind) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  switch (kind) {
    case "regatta-oci":
      return timed(process.execPath, [CLI, "pull", "--json", from, join(out, "layout")]);
    case "regatta-docker":
      return timed(process.execPath, [CLI, "pull", "--json", from, join(out, "image.tar")]);
    case "baseline-oci":
      return timed(process.execPath, [BASELINE, "pull", "--json", from, join(out, "layout")]);
    case "skopeo-oci":
    case "skopeo-docker":
      return timed("skopeo", [
        "copy",
        "-q",
        "--insecure-policy",
        "--src-tls-verify=false",
        `docker://${from}`,
        kind === "skopeo-oci"
          ? `oci:${join(out, "layout")}:1`
          : `docker-archive:${join(out, "image.tar")}:bench/large:1`,
      ]);
    case "curl": {
      // The floor: the same bytes onto the same disk, 4 at once, nothing hashed or checked.
      const urls = image.layers.map((l) => `${registry.url}/v2/bench/large/blobs/${l.digest}`);
      const script = urls
        .map((u, i) => `curl -sf -o '${join(out, `blob${i}`)}' '${u}' & pids="$pids $!"`)
        .join("\n");
      return timed("bash", ["-c", `${script}\nfor p in $pids; do wait $p || exit 1; done`]);
    }
    case "sha256": {
      // 1 GiB through Node's sha256 in 1 MiB chunks, timed inside the process (start-up excluded).
      const script = `const h=require("crypto").createHash("sha256");const b=Buffer.alloc(1<<20,7);
const t=process.hrtime.bigint();for(let i=0;i<1024;i++)h.update(b);h.digest();
console.log(Number(process.hrtime.bigint()-t)/1e9)`;
      const result = await timed(process.execPath, ["-e", script]);
      return { ...result, seconds: Number(result.stdout.trim()) };
    }
    default:
      throw new Error(kind);
  }
}

const kinds = [
  "regatta-oci",
  "regatta-docker",
  "skopeo-oci",
  "skopeo-docker",
  "curl",
  "sha256",
  ...(BASELINE ? ["baseline-oci"] : []),
];
const results = Object.fromEntries(kinds.map((k) => [k, []]));
try {
  await run("regatta-oci"); // warm the page cache and the registry once, untimed
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so that no tool always runs right after another.
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
    for (const kind of order) {
      syncDisks();
      const r = await run(kind);
      results[kind].push(r);
      console.error(
        `round ${round + 1}/${rounds} ${kind.padEnd(15)} ${r.seconds.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB`,
      );
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
  await registry.stop();
}

const summary = Object.fromEntries(
  kinds.map((k) => [
    k,
    {
      seconds: median(results[k].map((r) => r.seconds)),
      rssMiB: Math.max(...results[k].map((r) => r.rssMiB)),
      cpuSeconds: median(results[k].map((r) => r.cpuSeconds)),
    },
  ]),
);
const gib = bytes / 1024 ** 3;
const floor = summary.curl.seconds;
// Each Regatta row against skopeo writing the same format.
const rows = [
  ["regatta pull → OCI layout", summary["regatta-oci"], summary["skopeo-oci"].seconds],
  ["skopeo copy docker:// → oci:", summary["skopeo-oci"], summary["skopeo-oci"].seconds],
  ["regatta pull → docker tarball", summary["regatta-docker"], summary["skopeo-docker"].seconds],
  ["skopeo copy docker:// → docker-archive:", summary["skopeo-docker"], summary["skopeo-docker"].seconds],
  ["floor: 4 × curl -o (no hash)", summary.curl, undefined],
  ...(BASELINE
    ? [["baseline build → OCI layout", summary["baseline-oci"], summary["skopeo-oci"].seconds]]
    : []),
];
console.log(
  `\npull of ${(bytes / 1024 / 1024).toFixed(0)} MiB (4 layers), median of ${rounds}, sync before each run, ${new Date().toISOString()}\n`,
);
console.log(
  "| what | wall (s) | × skopeo (same format) | × curl floor | peak RSS (MiB) | CPU (s) | CPU s / GiB |\n|---|---|---|---|---|---|---|",
);
for (const [name, s, skopeo] of rows) {
  console.log(
    `| ${name} | ${s.seconds.toFixed(2)} | ${skopeo ? (s.seconds / skopeo).toFixed(2) : ""} | ${(s.seconds / floor).toFixed(2)} | ${s.rssMiB.toFixed(0)} | ${s.cpuSeconds.toFixed(2)} | ${perGiB(s.cpuSeconds, bytes).toFixed(2)} |`,
  );
}
console.log(
  `| limit: Node sha256, 1 GiB on one core | ${summary.sha256.seconds.toFixed(2)} (${(1 / summary.sha256.seconds).toFixed(2)} GiB/s) | | | |`,
);
console.log(
  `\nthroughput: regatta → OCI ${(gib / summary["regatta-oci"].seconds).toFixed(2)} GiB/s, skopeo ${(gib / summary["skopeo-oci"].seconds).toFixed(2)} GiB/s`,
);
if (args.json) writeFileSync(args.json, JSON.stringify({ bytes, rounds, summary, results }, null, 2));
