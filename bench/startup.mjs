#!/usr/bin/env node
/**
 * Start-up (issue 12): how long a scripted `regatta` call takes from exec to exit, beside the floor (`node -e 0`,
 * the same Node starting and doing nothing) and skopeo, all timed by hyperfine in one run: in rounds, the commands'
 * order rotated each round, warm-up runs first so every command reads from the page cache (and regatta's code
 * cache is written, as it is by the first run of each command on a user's machine).
 *
 * Commands: `--version` and `--help` (the command table only), `completion bash` when the CLI has it, and
 * `manifest REF` / `skopeo inspect --raw` against a loopback CNCF distribution holding a small image — the whole
 * path of a read: parse, load the client, connect, GET, print.
 *
 *   node bench/startup.mjs [--runs 30] [--rounds 5] [--json bench/results/startup.json]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BASELINE, CLI, ROOT, requireTools } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "30" },
    rounds: { type: "string", default: "5" },
    json: { type: "string" },
  },
  strict: false,
});
const runs = Number(values.runs);
const rounds = Number(values.rounds);

await requireTools(["hyperfine", "skopeo", "docker-registry"]);
const { generateImage, pushImage, startRegistry } = await import(
  join(ROOT, "packages/testkit/dist/index.js")
);

const registry = await startRegistry();
const work = mkdtempSync(join(tmpdir(), "regatta-bench-startup-"));
try {
  await pushImage(registry.url, "bench/startup", "1", await generateImage({ layers: [1024, 2048] }));
  const ref = `${registry.host}/bench/startup:1`;
  const node = process.execPath;
  const has = (args) => {
    try {
      execFileSync(node, [CLI, ...args], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  const commands = [
    ["node -e 0 (floor)", `${node} -e 0`],
    ["regatta --version", `${node} ${CLI} --version`],
    ["regatta --help", `${node} ${CLI} --help`],
    ...(has(["completion", "bash"]) ? [["regatta completion bash", `${node} ${CLI} completion bash`]] : []),
    ["regatta manifest REF", `${node} ${CLI} manifest ${ref}`],
    // REGATTA_BENCH_BASELINE: another build in the same run (bench/lib.mjs).
    ...(BASELINE
      ? [
          ["baseline --help", `${node} ${BASELINE} --help`],
          ["baseline manifest REF", `${node} ${BASELINE} manifest ${ref}`],
        ]
      : []),
    ["skopeo inspect --raw REF", `skopeo inspect --raw --tls-verify=false docker://${ref}`],
  ];
  // hyperfine runs all of one command's runs, then the next command's: a machine that slows down for a while (this
  // VM does) would land on one command only. So the runs are split into rounds, each a hyperfine run of every
  // command, the order rotated every round, and the medians are taken over all rounds' runs.
  const times = new Map(commands.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const report = join(work, `hyperfine-${round}.json`);
    const order = commands.map((_, i) => commands[(i + round) % commands.length]);
    execFileSync(
      "hyperfine",
      [
        "--shell=none",
        "--warmup",
        "3",
        "--runs",
        String(Math.ceil(runs / rounds)),
        "--export-json",
        report,
        ...order.flatMap(([name, command]) => ["--command-name", name, command]),
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    for (const r of JSON.parse(readFileSync(report, "utf8")).results) times.get(r.command).push(...r.times);
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const stddev = (values) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  };
  const results = commands.map(([name]) => ({
    command: name,
    median: median(times.get(name)),
    stddev: stddev(times.get(name)),
  }));
  const floor = results[0].median;
  const skopeo = results.find((r) => r.command.startsWith("skopeo")).median;
  const rows = results.map((r) => ({
    command: r.command,
    medianMs: +(r.median * 1000).toFixed(1),
    stddevMs: +(r.stddev * 1000).toFixed(1),
    timesFloor: +(r.median / floor).toFixed(2),
    timesSkopeo: +(r.median / skopeo).toFixed(2),
  }));
  console.log(`Node ${process.version}, ${runs} runs each in ${rounds} rounds, median wall time`);
  console.log("| command | median (ms) | ± (ms) | × node -e 0 | × skopeo |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of rows)
    console.log(`| ${r.command} | ${r.medianMs} | ${r.stddevMs} | ${r.timesFloor} | ${r.timesSkopeo} |`);
  if (values.json)
    writeFileSync(values.json, `${JSON.stringify({ node: process.version, runs, rows }, null, 2)}\n`);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
