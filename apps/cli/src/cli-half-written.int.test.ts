/**
 * Nothing half-written (issue 10, item 10), with `regatta` as a process: Ctrl-C and SIGTERM run the clean-up before
 * the exit (130, 143), a full disk says so with the path and leaves nothing filling it, and stdout that cannot be
 * written is one line (EPIPE: quiet, 141). The full disk is a 1 MiB tmpfs the test mounts (needs root, as in CI).
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type FaultProxy,
  type GeneratedImage,
  generateImage,
  pushImage,
  startFaultProxy,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
const MiB = 1024 * 1024;
const made: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "regatta-cli-half-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const env = (home: string) => ({
  PATH: process.env.PATH ?? "",
  HOME: home,
  DOCKER_CONFIG: join(home, ".docker"),
});

/**
 * The line a pull or copy starts with, saying what it took ("pull: platform linux/amd64 (this host's); 4 blobs at
 * once (default)", issue 12): information, not part of a failure.
 */
const TAKEN_LINE = /^(?:pull|copy): [^\n]*\n/;

/** One line on stderr, `regatta: …` (after the line saying what a pull took), and no stack trace. */
function expectOneLine(stderr: string): void {
  expect(stderr.replace(TAKEN_LINE, "")).toMatch(/^regatta: [^\n]+\n$/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** Polls until `ready()` holds (or fails after `ms`). */
async function until(ready: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Files in `dir` with content, whose names match `pattern`. */
const growing = (dir: string, pattern: RegExp) =>
  existsSync(dir) &&
  readdirSync(dir).some((name) => pattern.test(name) && statSync(join(dir, name)).size > 0);

describe("regatta leaves nothing half-written", () => {
  const registry = useRegistry("none");
  let image: GeneratedImage;
  let slow: FaultProxy;

  beforeAll(async () => {
    image = await generateImage({ layers: [3 * MiB], seed: "half-written" });
    await pushImage(registry.url, "h/app", "v1", image);
    // 3 MiB at 256 KiB/s: a transfer that is surely under way, and far from done, when the signal comes.
    slow = await startFaultProxy(registry.url, [
      {
        method: "GET",
        path: /\/blobs\/sha256:/,
        times: Number.POSITIVE_INFINITY,
        fault: { type: "slow", bytesPerSecond: 256 * 1024 },
      },
    ]);
  }, 60_000);
  afterAll(() => slow?.close());

  /** Starts `regatta args…`, waits for `started()`, sends `signal`, and returns how it ended. */
  async function interrupt(args: string[], started: () => boolean, signal: NodeJS.Signals) {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(temp()) });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await until(started, "the download to start");
    const sent = Date.now();
    child.kill(signal);
    const code = await exited;
    return { code, stderr, ms: Date.now() - sent };
  }

  for (const [signal, status] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`blob -o: ${signal} removes the .partial file and exits ${status}`, async () => {
      const dir = temp();
      const ref = `${slow.host}/h/app@${image.layers[0]!.digest}`;
      const ended = await interrupt(
        ["blob", ref, "-o", join(dir, "layer.tgz")],
        () => growing(dir, /^\.layer\.tgz\.\d+-[0-9a-f]{8}-[0-9a-f]{12}\.partial$/),
        signal,
      );
      expect(ended.code).toBe(status);
      expect(ended.stderr).toBe(`regatta: interrupted by ${signal}\n`);
      expect(readdirSync(dir)).toEqual([]);
      expect(ended.ms).toBeLessThan(5_000);
    });

    it(`pull: ${signal} keeps the resume file, names it, exits ${status}; the next pull finishes`, async () => {
      const dir = temp();
      const file = join(dir, "app.tar");
      const ended = await interrupt(
        ["pull", `${slow.host}/h/app:v1`, file],
        () => growing(dir, /^\.app\.tar\.regatta-partial\.json$/) && slow.count("GET", /\/blobs\//) > 1,
        signal,
      );
      expect(ended.code).toBe(status);
      expectOneLine(ended.stderr);
      expect(ended.stderr).toContain(`interrupted by ${signal}`);
      expect(ended.stderr).toContain(join(dir, ".app.tar.regatta-partial"));
      expect(readdirSync(dir).sort()).toEqual([".app.tar.regatta-partial", ".app.tar.regatta-partial.json"]);
      const again = await regatta(["pull", `${registry.host}/h/app:v1`, file]);
      expect(again.code).toBe(0);
      expect(readdirSync(dir)).toEqual(["app.tar"]);
    });
  }

  it("pull into an OCI layout: SIGINT keeps .regatta-partial and says where", async () => {
    const root = join(temp(), "oci");
    const ended = await interrupt(
      ["pull", "--format", "oci", `${slow.host}/h/app:v1`, root],
      () => growing(join(root, ".regatta-partial"), /\.partial$/),
      "SIGINT",
    );
    expect(ended.code).toBe(130);
    expectOneLine(ended.stderr);
    expect(ended.stderr).toContain(join(root, ".regatta-partial"));
    expect(readdirSync(root)).not.toContain("index.json");
  });

  it("sync into an OCI layout, --json: SIGINT names the sync to run again; failed agrees with the totals", async () => {
    const root = join(temp(), "oci");
    const child = spawn(process.execPath, [BIN, "sync", `${slow.host}/h/app`, `oci:${root}`, "--json"], {
      env: env(temp()),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await until(() => growing(join(root, ".regatta-partial"), /\.partial$/), "the download to start");
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("run the same sync again to resume it");
    expect(stderr).not.toContain("pull");
    const report = JSON.parse(stdout);
    // The image in flight was interrupted, not failed: said apart, and the counts agree with the plan's.
    expect(report).toMatchObject({ copied: 0, failed: 0, interrupted: 1, error: { code: "ABORTED" } });
    expect(report.totals.images).toMatchObject({ copy: 1, failed: 0 });
  });

  it("a command with nothing to clean up (tags) ends at once on SIGTERM, 143", async () => {
    const stalled = await startFaultProxy(registry.url, [
      { method: "GET", path: /\/tags\/list/, fault: { type: "stall" } },
    ]);
    try {
      const ended = await interrupt(
        ["tags", `${stalled.host}/h/app`],
        () => stalled.count("GET", /tags/) > 0,
        "SIGTERM",
      );
      expect(ended.code).toBe(143);
      expect(ended.stderr).toBe("regatta: interrupted by SIGTERM\n");
      expect(ended.ms).toBeLessThan(2_000);
    } finally {
      await stalled.close();
    }
  });

  it("push -: SIGINT while stdin is being spooled leaves no spool behind", async () => {
    const spool = temp();
    const child = spawn(process.execPath, [BIN, "push", "-", `${registry.host}/h/pushed:v1`], {
      env: { ...env(temp()), TMPDIR: spool },
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Part of a tarball, and the pipe kept open: the push waits for the rest.
    child.stdin.write(Buffer.alloc(64 * 1024));
    await until(() => readdirSync(spool).some((name) => name.startsWith("regatta-push-")), "the spool");
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    child.stdin.destroy();
    expectOneLine(stderr);
    expect(stderr).toContain("interrupted by SIGINT");
    expect(readdirSync(spool)).toEqual([]);
  });

  it("put-blob: a second SIGINT during the upload's cleanup ends at once, saying the upload session may stay", async () => {
    // The upload crawls (64 KiB/s) and its cancelling DELETE is never answered: the cleanup is surely pending.
    const uploads = await startFaultProxy(registry.url, [
      {
        method: "PUT",
        path: /\/blobs\/uploads\//,
        times: Number.POSITIVE_INFINITY,
        fault: { type: "slow", bytesPerSecond: 64 * 1024 },
      },
      {
        method: "DELETE",
        path: /\/blobs\/uploads\//,
        times: Number.POSITIVE_INFINITY,
        fault: { type: "stall" },
      },
    ]);
    try {
      const file = join(temp(), "blob.bin");
      writeFileSync(file, randomBytes(2 * MiB));
      const child = spawn(process.execPath, [BIN, "put-blob", `${uploads.host}/h/twice`, file], {
        env: env(temp()),
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      await until(() => uploads.count("PUT", /\/blobs\/uploads\//) > 0, "the upload to start");
      child.kill("SIGINT");
      await until(() => uploads.count("DELETE", /\/blobs\/uploads\//) > 0, "the cleanup's DELETE");
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toBe(
        "regatta: interrupted again by SIGINT: not waiting for cleanup (upload sessions may stay on the registry)\n",
      );
    } finally {
      await uploads.close();
    }
  });

  // Node's recursive mkdir never returns where mkdir answers ENOENT under an existing parent (procfs): these hung,
  // spinning, deaf to SIGTERM (@regatta/errors' makeDirectories).
  for (const [format, dest] of [
    ["docker", "/proc/regatta-no-such/app.tar"],
    ["oci", "/proc/regatta-no-such/oci"],
  ] as const) {
    it(`pull --format ${format} under a directory that cannot be made says so and ends`, async () => {
      const r = await regatta(["pull", "--format", format, `${registry.host}/h/app:v1`, dest]);
      // Refused before any request now (a destination in a directory that does not exist, checkOutputDirectory).
      expect(r.code).toBe(2);
      expectOneLine(r.stderr);
      expect(r.stderr).toBe(
        `regatta: pull ${dest}: cannot write there (/proc/regatta-no-such: no such directory)\n`,
      );
    }, 20_000);
  }

  it("an existing directory named where a file goes is refused before any request; a layout directory is taken", async () => {
    const dir = join(temp(), "d.tar");
    mkdirSync(dir);
    const ref = `${registry.host}/h/app:v1`;
    for (const [args, label, shown] of [
      [["pull", ref, dir], "pull", dir],
      [["pull", ref, `docker-archive:${dir}`], "pull", dir],
      [["pull", ref, `oci-archive:${dir}`], "pull", dir],
      [["pull", "--format", "docker", ref, dir], "pull", dir],
      [["export", ref, "-o", dir], "-o", dir],
      [["blob", `${registry.host}/h/app@${image.layers[0]!.digest}`, "-o", dir], "-o", dir],
    ] as const) {
      const r = await regatta([...args]);
      expect([r.code, r.stderr], args.join(" ")).toEqual([
        2,
        `regatta: ${label} ${shown}: is a directory; name a file\n`,
      ]);
      expect(readdirSync(dir)).toEqual([]);
    }
    const layout = join(temp(), "layout");
    mkdirSync(layout);
    const ok = await regatta(["pull", ref, `oci:${layout}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(layout)).toContain("oci-layout");
  }, 30_000);

  describe("on a full disk (a 1 MiB tmpfs)", () => {
    let disk: string;
    beforeAll(async () => {
      disk = temp();
      await promisify(execFile)("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk]);
    });
    afterAll(async () => {
      if (disk) await promisify(execFile)("umount", [disk]);
    });

    it("blob -o says no space left on device with the path, and leaves nothing", async () => {
      const target = join(disk, "layer.tgz");
      const r = await regatta(["blob", `${registry.host}/h/app@${image.layers[0]!.digest}`, "-o", target]);
      expect(r.code).toBe(1);
      expectOneLine(r.stderr);
      expect(r.stderr).toContain(`no space left on device: writing ${target}`);
      expect(readdirSync(disk)).toEqual([]);
    });

    for (const [format, dest] of [
      ["docker", "app.tar"],
      ["oci", "oci"],
      ["dir", "dir"],
    ] as const) {
      it(`pull --format ${format}: no space left on device with the path; the partial download does not stay to fill the disk`, async () => {
        const target = join(disk, dest);
        const r = await regatta(["pull", "--format", format, `${registry.host}/h/app:v1`, target]);
        expect(r.code).toBe(1);
        expectOneLine(r.stderr);
        expect(r.stderr.replace(TAKEN_LINE, "")).toMatch(/^regatta: no space left on device: writing \//);
        expect(r.stderr).toContain(disk);
        expect(r.stderr).toContain("the partial download was removed");
        expect(readdirSync(disk)).toEqual([]);
      });
    }

    it("pull - with TMPDIR on the full disk: the spool's path in the error, and the spool gone", async () => {
      const r = await regatta(["pull", `${registry.host}/h/app:v1`, "-"], { env: { TMPDIR: disk } });
      expect(r.code).toBe(1);
      expectOneLine(r.stderr);
      expect(r.stderr).toContain(`no space left on device: writing ${join(disk, "regatta-pull-")}`);
      expect(readdirSync(disk)).toEqual([]);
    });

    it("pull into an existing directory on a full disk keeps the directory, removes only the partial data", async () => {
      const root = join(disk, "mine");
      mkdirSync(root);
      const r = await regatta(["pull", "--format", "oci", `${registry.host}/h/app:v1`, root]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no space left on device");
      expect(readdirSync(root)).not.toContain(".regatta-partial");
      rmSync(root, { recursive: true, force: true });
    });
  });

  describe("stdout that cannot be written", () => {
    const sh = async (script: string, tmp = temp()) => {
      const run = promisify(execFile);
      const { stdout, stderr } = await run("bash", ["-c", script], { env: { ...env(temp()), TMPDIR: tmp } });
      return { stdout, stderr };
    };
    const cli = `"${process.execPath}" "${BIN}"`;

    it.each([
      ["blob", () => `blob ${registry.host}/h/app@${image.layers[0]!.digest}`],
      ["manifest", () => `manifest ${registry.host}/h/app:v1`],
      ["pull -", () => `pull ${registry.host}/h/app:v1 -`],
    ])("%s > /dev/full: one line naming the cause, exit 1", async (_name, args) => {
      // stderr into the captured pipe, stdout into a device that is always full.
      const r = await sh(`${cli} ${args()} 2>&1 > /dev/full; echo "status $?"`);
      expect(r.stdout.replace(TAKEN_LINE, "")).toBe(
        "regatta: no space left on device: writing stdout (free some space or write elsewhere)\nstatus 1\n",
      );
    });

    it("stderr at /dev/full: the exit status still says what failed (5: unreachable), no crash", async () => {
      const r = await sh(`${cli} manifest 127.0.0.1:1/x/y:1 2>/dev/full; echo "status $?"`);
      expect(r.stdout).toBe("status 5\n");
    });

    it.each([
      ["blob", () => `blob ${registry.host}/h/app@${image.layers[0]!.digest}`],
      ["pull -", () => `pull ${registry.host}/h/app:v1 -`],
    ])("%s | head -c1: quiet, exit 141 like a tool ended by SIGPIPE; no spool left", async (_name, args) => {
      const spool = temp();
      const err = join(temp(), "stderr");
      const r = await sh(
        `${cli} ${args()} 2>"${err}" | head -c1 > /dev/null; echo "status \${PIPESTATUS[0]}"; cat "${err}"`,
        spool,
      );
      expect(r.stdout.replace(/^(status \d+\n)/, "").replace(TAKEN_LINE, "")).toBe("");
      expect(r.stdout).toMatch(/^status 141\n/);
      expect(readdirSync(spool)).toEqual([]);
    });
  });
});
