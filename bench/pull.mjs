#!/usr/bin/env node
/**
 * Pull benchmark: a generated image of 4 layers totalling 1 GiB, pulled from a local CNCF distribution registry to
 * disk by `regatta pull` (to an OCI layout and to a docker tarball) and by `skopeo copy docker://… oci:…`, the
 * order rotating every round, median of N rounds. Every run writes into a fresh destination (nothing to resume).
 * In the same run, the limit: the four blobs fetched by 4 parallel `curl` GETs to /dev/null, and Node's sha256
 * throughput over 1 GiB (every byte Regatta pulls is hashed once, on one core). Wall time is measured around the
 * whole process (start-up included, for every tool); peak RSS comes from `/usr/bin/time -v`.
 *
 *   node bench/pull.mjs [--rounds 5] [--size-mib 1024] [--json FILE]
 *
 * Needs `pnpm build` first (bench/run.sh does it), docker-registry, skopeo, curl and /usr/bin/time.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchImage, CLI, median, requireTools, timed } from "./lib.mjs";

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
    case "skopeo-oci":
      return timed("skopeo", [
        "copy",
        "-q",
        "--insecure-policy",
        "--src-tls-verify=false",
        `docker://${from}`,
        `oci:${join(out, "layout")}:1`,
      ]);
    case "curl": {
      const urls = image.layers.map((l) => `${registry.url}/v2/bench/large/blobs/${l.digest}`);
      const script = urls.map((u) => `curl -sf -o /dev/null '${u}' & pids="$pids $!"`).join("\n");
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

const kinds = ["regatta-oci", "regatta-docker", "skopeo-oci", "curl", "sha256"];
const results = Object.fromEntries(kinds.map((k) => [k, []]));
try {
  await run("regatta-oci"); // warm the page cache and the registry once, untimed
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so that no tool always runs right after another.
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
    for (const kind of order) {
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
const skopeo = summary["skopeo-oci"].seconds;
const gib = bytes / 1024 ** 3;
const rows = [
  ["regatta pull → OCI layout", summary["regatta-oci"]],
  ["regatta pull → docker tarball", summary["regatta-docker"]],
  ["skopeo copy docker:// → oci:", summary["skopeo-oci"]],
  ["limit: 4 × curl GET → /dev/null", summary.curl],
];
console.log(
  `\npull of ${(bytes / 1024 / 1024).toFixed(0)} MiB (4 layers), median of ${rounds}, ${new Date().toISOString()}\n`,
);
console.log("| what | wall (s) | × skopeo | peak RSS (MiB) | CPU (s) |\n|---|---|---|---|---|");
for (const [name, s] of rows) {
  console.log(
    `| ${name} | ${s.seconds.toFixed(2)} | ${(s.seconds / skopeo).toFixed(2)} | ${s.rssMiB.toFixed(0)} | ${s.cpuSeconds.toFixed(2)} |`,
  );
}
console.log(
  `| limit: Node sha256, 1 GiB on one core | ${summary.sha256.seconds.toFixed(2)} (${(1 / summary.sha256.seconds).toFixed(2)} GiB/s) | | | |`,
);
console.log(
  `\nthroughput: regatta → OCI ${(gib / summary["regatta-oci"].seconds).toFixed(2)} GiB/s, skopeo ${(gib / skopeo).toFixed(2)} GiB/s`,
);
if (args.json) writeFileSync(args.json, JSON.stringify({ bytes, rounds, summary, results }, null, 2));
