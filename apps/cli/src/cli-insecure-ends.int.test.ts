/**
 * `--insecure` and `--tls-skip-verify` are for every registry a command talks to (crane's `--insecure`, skopeo's
 * `--src-tls-verify` and `--dest-tls-verify` both): a copy's or a sync's source as well as its target. Before, the
 * client was opened for one end and `--insecure` listed that registry only, so a plain-http source not on loopback
 * failed with "use --insecure", the flag already given. And skopeo sync's `tls-verify: false` is skopeo's: https
 * unverified or plain http. Run inside a network namespace of its own (runInNetns), on addresses of its loopback
 * interface that are not loopback addresses (192.0.2.0/24), so the CLI treats them as any remote registry.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNetns } from "@regatta/testkit";
import { afterAll, describe, expect, it } from "vitest";

const CLI_DIR = fileURLToPath(new URL("..", import.meta.url));
const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
const REGISTRY_BIN = process.env.REGATTA_REGISTRY_BIN ?? "docker-registry";
const TESTKIT = new URL("../../../packages/testkit/dist/index.js", import.meta.url).href;

interface Run {
  args: string;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Two msw registries on loopback: `src` holding src/lib:latest, `dst` empty. Each is reached at a non-loopback
 * address too: plain http on port 5000 (192.0.2.2, 192.0.2.3), and the source over https with the test's self-signed
 * certificate (192.0.2.4); a CNCF distribution on 192.0.2.5 speaks https with that certificate. The runs (`DST`
 * replaced by the loopback target) are the built CLI's.
 */
const SCRIPT = `
const input = JSON.parse(process.env.NETNS_INPUT);
const { serveHandlers, distributionHandlers, fakeRepository, generateImage, TEST_CERT, TEST_KEY } = await import(input.testkit);
import { createServer, connect } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
const src = await serveHandlers(distributionHandlers({ repos: { "src/lib": fakeRepository({ latest: await generateImage({ seed: "insecure-ends" }) }) } }));
const dst = await serveHandlers(distributionHandlers({ repos: {} }));
const pipe = (port) => (socket) => {
  const to = connect(port, "127.0.0.1");
  socket.pipe(to).pipe(socket);
  to.on("error", () => socket.destroy());
  socket.on("error", () => to.destroy());
};
const listen = (server, port, host) => new Promise((r) => server.listen(port, host, r)).then(() => server);
const servers = [
  await listen(createServer(pipe(src.port)), 5000, "192.0.2.2"),
  await listen(createServer(pipe(dst.port)), 5000, "192.0.2.3"),
  await listen(createTlsServer({ cert: TEST_CERT, key: TEST_KEY }, pipe(src.port)), 443, "192.0.2.4"),
];
// An https target: CNCF distribution itself (msw's upload Location would say http behind a TLS forwarder).
writeFileSync(input.home + "/cert.pem", TEST_CERT);
writeFileSync(input.home + "/key.pem", TEST_KEY);
writeFileSync(input.home + "/registry.yml", [
  "version: 0.1", "log: {level: error}",
  "storage: {filesystem: {rootdirectory: " + input.home + "/storage}}",
  "http: {addr: '192.0.2.5:443', tls: {certificate: " + input.home + "/cert.pem, key: " + input.home + "/key.pem}}", "",
].join("\\n"));
const registry = spawn(input.registryBin, ["serve", input.home + "/registry.yml"], { stdio: "ignore" });
for (let i = 0; i < 100; i++) {
  const up = await new Promise((r) => connect(443, "192.0.2.5").once("connect", function () { this.destroy(); r(true); }).once("error", () => r(false)));
  if (up) break;
  await new Promise((r) => setTimeout(r, 100));
}
const run = (args) => new Promise((resolve) =>
  execFile(process.execPath, [input.bin, ...args], { env: { PATH: process.env.PATH, HOME: input.home, DOCKER_CONFIG: input.home + "/.docker" } },
    (error, stdout, stderr) => resolve({ args: args.join(" "), code: error ? error.code : 0, stdout, stderr })));
const out = [];
for (const args of input.runs) out.push(await run(args.map((a) => a.replaceAll("DST", dst.host))));
registry.kill();
for (const s of servers) s.close();
await src.close();
await dst.close();
console.log(JSON.stringify(out));
`;

const work = mkdtempSync(join(tmpdir(), "regatta-insecure-ends-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function inNamespace(runs: string[][]): Promise<Run[]> {
  return runInNetns<Run[]>({
    code: SCRIPT,
    cwd: CLI_DIR,
    input: { testkit: TESTKIT, bin: BIN, home: work, runs, registryBin: REGISTRY_BIN },
    addresses: ["192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"],
    timeoutMs: 90_000,
  });
}

const PLAIN_SRC = "192.0.2.2:5000/src/lib";
const HINT = "use --insecure";

describe("--insecure and --tls-skip-verify: every registry of the command", () => {
  it("--insecure reaches a plain-http source (and target) not on loopback: copy, sync, sync --dry-run; the hint to use it only without it", async () => {
    const [copy, sync, dryRun, toPlain, without] = await inNamespace([
      ["--insecure", "copy", `${PLAIN_SRC}:latest`, "DST/c/lib"],
      ["--insecure", "sync", PLAIN_SRC, "DST/s/lib"],
      ["--insecure", "sync", PLAIN_SRC, "DST/d/lib", "--dry-run"],
      ["--insecure", "copy", `${PLAIN_SRC}:latest`, "192.0.2.3:5000/p/lib"],
      ["copy", `${PLAIN_SRC}:latest`, "DST/n/lib"],
    ]);
    expect(copy, copy!.stderr).toMatchObject({ code: 0 });
    expect(copy!.stdout).toMatch(/^sha256:[0-9a-f]{64}$/m);
    expect(sync, sync!.stderr).toMatchObject({ code: 0 });
    expect(sync!.stdout + sync!.stderr).toContain("1 copied");
    expect(dryRun, dryRun!.stderr).toMatchObject({ code: 0 });
    expect(dryRun!.stdout).toContain("1 to copy");
    expect(toPlain, toPlain!.stderr).toMatchObject({ code: 0 });
    for (const run of [copy, sync, dryRun, toPlain]) expect(run!.stderr).not.toContain(HINT);
    // Without the flag, verified https only: refused, and now the hint is right.
    expect(without!.code).toBe(5);
    expect(without!.stderr).toContain(HINT);
  }, 120_000);

  it("--tls-skip-verify and --insecure take a self-signed https source and target not on loopback", async () => {
    const tls = ["192.0.2.4/src/lib:latest", "192.0.2.5/t/lib"];
    // The self-signed https source and target are both non-loopback registries, neither the one the client opens.
    const [skip, insecure, verified] = await inNamespace([
      ["--tls-skip-verify", "copy", ...tls],
      ["--insecure", "copy", tls[0]!, "192.0.2.5/i/lib"],
      ["copy", ...tls],
    ]);
    expect(skip, skip!.stderr).toMatchObject({ code: 0 });
    expect(insecure, insecure!.stderr).toMatchObject({ code: 0 });
    expect(verified!.code).toBe(5);
    expect(verified!.stderr).toMatch(/certificate/);
  }, 120_000);

  it("skopeo sync's tls-verify: false is skopeo's: https unverified, or plain http where no TLS answers", async () => {
    const config = (registry: string, verify = false) => {
      const file = join(work, `skopeo-${registry}-${verify}.yaml`);
      writeFileSync(file, `${registry}:\n  tls-verify: ${verify}\n  images:\n    src/lib: [latest]\n`);
      return file;
    };
    const [plain, unverified, pinned] = await inNamespace([
      ["sync", "--config", config("192.0.2.2:5000"), "DST/k"],
      ["sync", "--config", config("192.0.2.4"), "DST/t"],
      // tls-verify: true pins https, which --insecure does not change: the hint says that, not "use --insecure".
      ["--insecure", "sync", "--config", config("192.0.2.2:5000", true), "DST/v"],
    ]);
    expect(pinned!.code).toBe(5);
    expect(pinned!.stderr).not.toContain(HINT);
    expect(pinned!.stderr).toContain("pins https");
    expect(plain, plain!.stderr).toMatchObject({ code: 0 });
    expect(plain!.stdout + plain!.stderr).toContain("1 copied");
    expect(unverified, unverified!.stderr).toMatchObject({ code: 0 });
    expect(unverified!.stdout + unverified!.stderr).toContain("1 copied");
  }, 120_000);
});
