/**
 * Issue 10, item 11: a credential helper that is missing, hangs, fails, prints garbage or floods must end in a
 * CredentialsError that names it, within a bound, without quoting what it printed, and leave nothing (timer, child,
 * pipe) that keeps the process alive. Each case runs a real program from a temp PATH in a separate node process, so
 * "the process exits" is measured, not assumed.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, writeIn } from "./test-helpers.js";

const SECRET = "s3cr3t-Hunter2-ghp_AAAABBBBCCCCDDDDEEEE";

const HELPERS: Record<string, string> = {
  // Sleeps in a grandchild too: killing only the shell would leave `sleep` holding the pipes.
  hang: `#!/bin/sh\nsleep 300 &\nsleep 300\n`,
  // Ignores SIGTERM: only SIGKILL stops it.
  stubborn: `#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 1; done\n`,
  fails: `#!/bin/sh\ncat >/dev/null\necho "login failed for token ${SECRET}" >&2\necho "${SECRET}"\nexit 1\n`,
  garbage: `#!/bin/sh\ncat >/dev/null\necho "<html>${SECRET}</html>"\n`,
  flood: `#!/bin/sh\nyes "${SECRET}"\n`,
  // Hangs after writing its pid (and a grandchild's) where the test can see them.
  pidfile: `#!/bin/sh\nsleep 300 &\necho "$$ $!" > "$PIDFILE"\nsleep 300\n`,
  // Answers, then leaves a grandchild holding stdout open.
  lingers: `#!/bin/sh\ncat >/dev/null\nprintf '{"Username":"u","Secret":"${SECRET}"}'\nsleep 5 &\nexit 0\n`,
};

// The built module (run `pnpm --filter @regatta/auth build` first): a plain node process, as the CLI runs it.
const moduleUrl = new URL("../dist/credential-helper.js", import.meta.url).href;

const pidFiles = new Map<string, string>();

interface Run {
  ms: number;
  output: string;
  exitCode: number | null;
}

/** Runs credentialFromHelper in a child node process and measures when that process exits. */
async function runIsolated(helper: string, timeoutSeconds: number, exitAfterMs?: number): Promise<Run> {
  const dir = await tempDir();
  for (const [name, script] of Object.entries(HELPERS)) {
    await writeIn(dir, `bin/docker-credential-${name}`, script, 0o755);
  }
  const code = `
    const { credentialFromHelper, spawnCredentialHelper } = await import(${JSON.stringify(moduleUrl)});
    const env = { PATH: ${JSON.stringify(`${join(dir, "bin")}:/usr/bin:/bin`)}, REGATTA_CREDENTIAL_HELPER_TIMEOUT: "${timeoutSeconds}", PIDFILE: ${JSON.stringify(join(dir, "pids"))} };
    ${exitAfterMs === undefined ? "" : `setTimeout(() => process.exit(130), ${exitAfterMs});`}
    try {
      const c = await credentialFromHelper(${JSON.stringify(helper)}, "ghcr.io", spawnCredentialHelper({ env }));
      console.log("OK", c ? "credential" : "none");
    } catch (e) {
      console.log("ERR", e.name, e.code, e.message, JSON.stringify(e));
    }`;
  const started = Date.now();
  pidFiles.set(helper, join(dir, "pids"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "--eval", code], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(guard);
      resolve({ ms: Date.now() - started, output, exitCode });
    });
  });
}

describe("credential helpers are bounded and never hold the process", () => {
  it.each([
    ["missing", "CREDENTIAL_HELPER_MISSING", 0],
    ["hang", "CREDENTIAL_HELPER_TIMEOUT", 1],
    ["stubborn", "CREDENTIAL_HELPER_TIMEOUT", 1],
    ["fails", "CREDENTIAL_HELPER_FAILED", 0],
    ["garbage", "CREDENTIAL_HELPER_FAILED", 0],
    ["flood", "CREDENTIAL_HELPER_FAILED", 0],
  ])(
    "%s: a CredentialsError (%s) naming the helper, no secret, exit within the bound",
    async (helper, code, timeout) => {
      const run = await runIsolated(helper, 1);
      expect(run.output).toContain(`ERR CredentialsError ${code}`);
      expect(run.output).toContain(`docker-credential-${helper}`);
      expect(run.output).not.toContain(SECRET);
      expect(run.output).not.toContain("ghp_");
      expect(run.exitCode).toBe(0);
      // Node starts in well under a second here; the helper's share is its timeout at most.
      expect(run.ms).toBeLessThan(4000 + timeout * 1000);
    },
  );

  it("a helper that answers and leaves a grandchild holding its pipe still answers, and the process exits", async () => {
    const run = await runIsolated("lingers", 20);
    expect(run.output).toContain("OK credential");
    expect(run.ms).toBeLessThan(6000);
  });

  it("a process that exits while a helper waits (Ctrl-C) takes the helper and what it started with it", async () => {
    const run = await runIsolated("pidfile", 60, 1000);
    expect(run.exitCode).toBe(130);
    expect(run.ms).toBeLessThan(6000);
    const pids = (await readFile(pidFiles.get("pidfile")!, "utf8")).trim().split(" ").map(Number);
    expect(pids).toHaveLength(2);
    // SIGKILL is delivered asynchronously: give it a moment.
    await new Promise((r) => setTimeout(r, 200));
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  });
});

/** Whether `pid` runs (a zombie waiting for its reaper does not: it was killed, its parent is gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
