/**
 * Test helper (excluded from the build): runs the built `regatta` as a process, as a user would.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));

/**
 * One cache directory for every run of a test file, as a user's ~/.cache outlives each command: the CLI's code cache
 * (chunk-loader.ts) is written by the first runs and read by the rest, not written again into every fresh home.
 */
const CACHE = mkdtempSync(join(tmpdir(), "regatta-test-cache-"));
process.once("exit", () => rmSync(CACHE, { recursive: true, force: true }));

/**
 * The environment a test runs the built `regatta` in: `home` as HOME (its docker config, none of the machine's), the
 * tests' shared code cache, PATH, and `env` on top.
 */
export function cleanEnv(home: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    DOCKER_CONFIG: join(home, ".docker"),
    XDG_CACHE_HOME: CACHE,
    ...env,
  };
}

/**
 * Runs the built `regatta` as a user would, with a clean environment (no docker config of the machine's). `killAfter`
 * (ms) ends a run that would never end with SIGKILL: code -1, for a test whose failure is a hang.
 */
export function regatta(
  args: string[],
  options: { input?: string; env?: Record<string, string>; killAfter?: number } = {},
) {
  return new Promise<{ code: number; stdout: string; stderr: string; stdoutBytes: Buffer }>((resolve) => {
    const home = mkdtempSync(join(tmpdir(), "regatta-home-"));
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cleanEnv(home, options.env),
      ...(options.killAfter ? { timeout: options.killAfter, killSignal: "SIGKILL" as const } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    // A command that exits (or fails) before reading its stdin closes the pipe: the EPIPE of writing it is no failure
    // of the test (an unhandled one failed a whole CI run), the exit code and output say what happened.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
    child.on("close", (code) => {
      rmSync(home, { recursive: true, force: true });
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code: code ?? -1,
        stdout: stdoutBytes.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        stdoutBytes,
      });
    });
  });
}
