#!/usr/bin/env node
/**
 * Sync benchmark (issue 12): mirroring many small images, where the per-image overhead (one process per copy, one
 * token per call, one HEAD after another) decides, not the bytes. Two shapes in one local CNCF distribution
 * registry:
 *
 * - `tags`: one repository with 300 tags, each a distinct image (its own 2 KiB layer and config);
 * - `repos`: 50 repositories of 4 tags each (skopeo sync reads them from its YAML source format, Regatta from the same
 *   file with --config).
 *
 * Each shape is synced by `regatta sync`, by `skopeo sync` and by the floor (bench/sync-floor.mjs: the same requests
 * as Regatta's, by the least a client can do) into a fresh target registry ("fresh": every image to
 * copy), then again into the same target ("up to date": nothing to copy, every tag checked). The tools alternate
 * and the order flips every round; wall time includes process start-up for both; median of N rounds.
 *
 *   node bench/sync.mjs [--rounds 3] [--tags 300] [--repos 50] [--shapes tags,repos] [--jobs N] [--json FILE]
 *
 * `--jobs N` passes `--jobs N` (images at once) to regatta sync; without it regatta uses its default.
 *
 * Needs `pnpm build` first (bench/run.sh does it), docker-registry, skopeo and /usr/bin/time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLI, median, ROOT, requireTools, timed } from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    tags: { type: "string", default: "300" },
    repos: { type: "string", default: "50" },
    "tags-per-repo": { type: "string", default: "4" },
    shapes: { type: "string", default: "tags,repos" },
    jobs: { type: "string" },
    json: { type: "string" },
  },
});
const jobsArgs = args.jobs ? ["--jobs", args.jobs] : [];
const rounds = Number(args.rounds);
await requireTools(["/usr/bin/time", "skopeo", "docker-registry"]);
const { generateImage, pushImage, startRegistry } = await import(
  join(ROOT, "packages/testkit/dist/index.js")
);

const work = mkdtempSync(join(tmpdir(), "regatta-bench-sync-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

// ---- the source registry: one repository of many tags, and many repositories of a few ----------------------------
const source = await startRegistry({ auth: "none" });
const image = (seed) => generateImage({ layers: [2048], seed, labels: { "bench.seed": seed } });
/** Pushes `count` distinct images, a few at a time (the set-up is not timed). */
async function pushTags(repository, count, prefix) {
  const tags = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
  for (let i = 0; i < tags.length; i += 8) {
    await Promise.all(
      tags
        .slice(i, i + 8)
        .map(async (tag) => pushImage(source.url, repository, tag, await image(`${repository}:${tag}`))),
    );
  }
}
const tagCount = Number(args.tags);
const repoCount = Number(args.repos);
const perRepo = Number(args["tags-per-repo"]);
console.error(`pushing ${tagCount} tags to bench/many and ${repoCount} repositories of ${perRepo} tags …`);
await pushTags("bench/many", tagCount, "1.0.");
const repositories = Array.from({ length: repoCount }, (_, i) => `bench/r${String(i).padStart(2, "0")}`);
for (const repository of repositories) await pushTags(repository, perRepo, "v");

// skopeo sync's YAML source: an empty tag list means every tag. Regatta's --config reads the same format.
const yamlFile = join(work, "sync.yaml");
writeFileSync(
  yamlFile,
  `${source.host}:\n  tls-verify: false\n  images:\n${repositories.map((r) => `    ${r}: []\n`).join("")}`,
);

// The floor: the same requests as regatta sync, by the least a client can do (bench/sync-floor.mjs).
const FLOOR = join(ROOT, "bench/sync-floor.mjs");
const SKOPEO_TLS = ["--src-tls-verify=false", "--dest-tls-verify=false"];
/** The command lines of one sync of `shape` into `target` (a registry host). */
const commands = {
  tags: {
    floor: (target) => [process.execPath, [FLOOR, `${source.host}/bench/many`, `${target}/mirror/many`]],
    regatta: (target) => [
      process.execPath,
      [CLI, "sync", `${source.host}/bench/many`, `${target}/mirror/many`, "--json", ...jobsArgs],
    ],
    skopeo: (target) => [
      "skopeo",
      [
        "sync",
        "--src",
        "docker",
        "--dest",
        "docker",
        ...SKOPEO_TLS,
        `${source.host}/bench/many`,
        `${target}/mirror`,
      ],
    ],
  },
  repos: {
    floor: (target) => [
      process.execPath,
      [FLOOR, ...repositories.flatMap((r) => [`${source.host}/${r}`, `${target}/mirror/${r}`])],
    ],
    regatta: (target) => [
      process.execPath,
      [CLI, "sync", "--config", yamlFile, `${target}/mirror`, "--json", ...jobsArgs],
    ],
    skopeo: (target) => [
      "skopeo",
      ["sync", "--src", "yaml", "--dest", "docker", ...SKOPEO_TLS, yamlFile, `${target}/mirror`],
    ],
  },
};

/** A fresh sync and then an up-to-date one, into a target registry of their own. */
async function run(shape, tool) {
  const target = await startRegistry({ auth: "none" });
  try {
    const [command, argv] = commands[shape][tool](target.host);
    const fresh = await timed(command, argv);
    const upToDate = await timed(command, argv);
    return { fresh, upToDate };
  } finally {
    await target.stop();
  }
}

const results = [];
for (const shape of args.shapes.split(",")) {
  const samples = { regatta: [], skopeo: [], floor: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? ["skopeo", "floor", "regatta"] : ["regatta", "floor", "skopeo"];
    for (const tool of order) {
      const r = await run(shape, tool);
      samples[tool].push(r);
      console.error(
        `${shape} round ${round + 1} ${tool}: fresh ${r.fresh.seconds.toFixed(2)} s, up to date ${r.upToDate.seconds.toFixed(2)} s`,
      );
    }
  }
  for (const phase of ["fresh", "upToDate"]) {
    const row = (tool) => ({
      seconds: median(samples[tool].map((s) => s[phase].seconds)),
      rssMiB: median(samples[tool].map((s) => s[phase].rssMiB)),
      cpuSeconds: median(samples[tool].map((s) => s[phase].cpuSeconds)),
    });
    const regatta = row("regatta");
    const skopeo = row("skopeo");
    const floor = row("floor");
    results.push({
      shape,
      phase,
      regatta,
      skopeo,
      floor,
      ratio: regatta.seconds / skopeo.seconds,
      ofFloor: regatta.seconds / floor.seconds,
      floorRatio: floor.seconds / skopeo.seconds,
    });
  }
}
await source.stop();

const describe = {
  tags: `1 repository × ${tagCount} tags`,
  repos: `${repoCount} repositories × ${perRepo} tags`,
};
console.log(`median of ${rounds} rounds, wall seconds (CPU seconds, peak RSS MiB)`);
console.log("| shape | phase | regatta sync | skopeo sync | floor | × skopeo | × floor | floor × skopeo |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
const cell = (r) => `${r.seconds.toFixed(2)} (${r.cpuSeconds.toFixed(2)} CPU, ${r.rssMiB.toFixed(0)} MiB)`;
for (const r of results)
  console.log(
    `| ${describe[r.shape]} | ${r.phase === "fresh" ? "fresh" : "up to date"} | ${cell(r.regatta)} | ${cell(r.skopeo)} | ${cell(r.floor)} | ${r.ratio.toFixed(2)} | ${r.ofFloor.toFixed(2)} | ${r.floorRatio.toFixed(2)} |`,
  );
if (args.json) writeFileSync(args.json, `${JSON.stringify({ rounds, results }, null, 2)}\n`);
