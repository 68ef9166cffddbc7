/**
 * What the benchmarks share: the paths of the built CLI and test kit, the checks that the tools are there, the
 * generated 1 GiB image in a local registry, running a command under `/usr/bin/time -v` (wall time measured here,
 * peak RSS and CPU from time's report), and the median.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * The CLI under test: the build in apps/cli/dist, or REGATTA_BENCH_CLI, the bin.cjs of a copy made elsewhere
 * (`cp -r apps/cli/dist X/dist && cp apps/cli/package.json X/`), so two builds can be compared and a rebuild during a
 * run changes nothing. Copy package.json too: without its `"type": "module"` Node reads every file twice to guess
 * its module format (about 16 ms of a short command).
 */
export const CLI = process.env.REGATTA_BENCH_CLI ?? join(ROOT, "apps/cli/dist/bin.cjs");
/** REGATTA_BENCH_BASELINE: another build's bin.cjs (or an older build's bin.js, made as above), timed in the same rounds beside CLI. */
export const BASELINE = process.env.REGATTA_BENCH_BASELINE;

/** Fails early, saying what to install or build, when a tool or the built CLI is missing. */
export async function requireTools(tools) {
  for (const tool of tools) {
    if (!(await which(tool))) throw new Error(`${tool} is needed (bash scripts/setup.sh installs it)`);
  }
  if (!existsSync(CLI))
    throw new Error("apps/cli/dist/bin.cjs is missing: run pnpm build (bench/run.sh does)");
}

/**
 * A scratch directory removed at exit, and in it an image of `layers` layers (default 4) totalling `totalBytes`
 * (testkit's incompressible generated layers) pushed to a fresh local registry as `bench/large:1`.
 */
export async function benchImage(name, totalBytes, layers = 4) {
  const { generateLargeImage, pushImage, startRegistry } = await import(
    join(ROOT, "packages/testkit/dist/index.js")
  );
  const work = join(tmpdir(), `regatta-bench-${name}-${process.pid}`);
  mkdirSync(work, { recursive: true });
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));
  const layerBytes = Math.round(totalBytes / layers);
  console.error(`generating ${layers} layers of ${(layerBytes / 1024 / 1024).toFixed(0)} MiB in ${work} …`);
  const image = await generateLargeImage({
    dir: join(work, "layers"),
    layers: Array(layers).fill(layerBytes),
  });
  const bytes = image.layers.reduce((n, l) => n + l.descriptor.size, 0);
  const registry = await startRegistry({ auth: "none" });
  await pushImage(registry.url, "bench/large", "1", image);
  console.error(
    `${registry.host}/bench/large:1: ${(bytes / 1024 / 1024).toFixed(0)} MiB in ${image.layers.length} layers`,
  );
  return { work, image, bytes, registry, reference: `${registry.host}/bench/large:1` };
}

/**
 * Writes every dirty page to disk before a timed run (issue 15): otherwise the kernel writes back one run's gigabyte
 * during the next one's, and whoever runs second pays for whoever ran first.
 */
export function syncDisks() {
  spawnSync("sync");
}

/** CPU seconds per GiB moved, for the tables. */
export const perGiB = (cpuSeconds, bytes) => cpuSeconds / (bytes / 1024 ** 3);

/** Runs `command argv…` under /usr/bin/time -v: wall seconds, peak RSS in MiB, CPU seconds, stdout. */
export function timed(command, argv, env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-v", command, ...argv], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = [];
    let err = "";
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const field = (name) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(err)?.[1] ?? Number.NaN);
      const stdout = Buffer.concat(out).toString();
      if (code !== 0)
        reject(new Error(`${command} ${argv.join(" ")} exited ${code}:\n${stdout}\n${err.slice(-2000)}`));
      else
        resolve({
          seconds,
          rssMiB: field("Maximum resident set size \\(kbytes\\)") / 1024,
          cpuSeconds: field("User time \\(seconds\\)") + field("System time \\(seconds\\)"),
          stdout,
        });
    });
  });
}

/** Whether `tool` is on PATH. */
export function which(tool) {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    child.on("close", (code) => resolve(code === 0));
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * `rounds` rounds of `run(kind)` for every kind, the order rotating every round so that no tool always runs right
 * after another, `sync` before each run; the timed results by kind, each run logged.
 */
export async function rotatingRounds(kinds, rounds, run) {
  const results = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    const order = kinds.map((_, k) => kinds[(k + i) % kinds.length]);
    for (const kind of order) {
      syncDisks();
      const r = await run(kind);
      results[kind].push(r);
      console.error(
        `round ${i + 1} ${kind.padEnd(8)} ${r.seconds.toFixed(2)} s  ${r.rssMiB.toFixed(0)} MiB RSS  ${r.cpuSeconds.toFixed(2)} s CPU`,
      );
    }
  }
  return results;
}

/** Medians (and the runs) of `rotatingRounds`' results, by kind; CPU per GiB of `bytes` moved. */
export function summarize(results, bytes) {
  return Object.fromEntries(
    Object.entries(results).map(([kind, rs]) => [
      kind,
      {
        medianSeconds: median(rs.map((r) => r.seconds)),
        seconds: rs.map((r) => Number(r.seconds.toFixed(3))),
        peakRssMiB: Math.max(...rs.map((r) => r.rssMiB)),
        medianRssMiB: median(rs.map((r) => r.rssMiB)),
        medianCpuSeconds: median(rs.map((r) => r.cpuSeconds)),
        cpuSecondsPerGiB: perGiB(median(rs.map((r) => r.cpuSeconds)), bytes),
      },
    ]),
  );
}
