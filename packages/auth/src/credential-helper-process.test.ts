/**
 * What spawnCredentialHelper promises about the helper process itself, fast enough to run for every mutant
 * (credential-helper-bounds.test.ts measures the same bounds end to end in separate node processes, for seconds):
 * it reports the exit code and both outputs, finds the program on the injected PATH, stops a helper that runs past
 * its timeout or prints more than 1 MiB together with everything it started, and leaves no timer, pipe or child
 * handle that would keep the process alive.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_HELPER_TIMEOUT_MS, HelperStoppedError, spawnCredentialHelper } from "./credential-helper.js";
import { tempDir, writeIn } from "./test-helpers.js";

const SCRIPTS: Record<string, string> = {
  // Echoes its verb and stdin on stdout, a note on stderr, and exits with $EXIT_CODE (default 0).
  echo: `#!/bin/sh\nprintf '%s:' "$1"\ncat\necho "to stderr" >&2\nexit "\${EXIT_CODE:-0}"\n`,
  // Hangs, with a grandchild, after writing both pids where the test can read them; both ignore SIGTERM, so only
  // SIGKILL stops them.
  hang: `#!/bin/sh\ntrap '' TERM\nsleep 30 &\necho "$$ $!" > "$PIDFILE"\nwait\n`,
  // Prints exactly $BYTES bytes on stdout and $ERR_BYTES on stderr.
  sized: `#!/bin/sh\nhead -c "\${BYTES:-0}" /dev/zero | tr '\\000' a\nhead -c "\${ERR_BYTES:-0}" /dev/zero | tr '\\000' b >&2\n`,
  // Exits at once, reading nothing.
  early: `#!/bin/sh\nexit 5\n`,
  // Dies of a signal instead of exiting.
  killed: `#!/bin/sh\nkill -9 $$\n`,
  // Answers and exits, leaving a grandchild that holds stdout and stderr open.
  lingers: `#!/bin/sh\nprintf answered\nsleep 30 &\necho "$!" > "$PIDFILE"\nexit 0\n`,
};

const leftovers: number[] = [];

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  const pids = leftovers.splice(0);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone, as it should be.
    }
  }
  // Until they are reaped: a helper's exit seen during the next test would start its grace timer there. A grandchild
  // (a helper's own `sleep &`) is reparented to pid 1 when killed, and a zombie there is dead for this process: how
  // soon pid 1 reaps it is the machine's business (seconds on a loaded CI box), not this test's.
  await until(() => {
    for (const pid of pids) if (unreaped(pid)) throw new Error(`pid ${pid} not reaped yet`);
  }, 10_000);
});

/** A temp dir with every script installed as docker-credential-<name>, and an environment that finds them. */
async function install(
  extra: Record<string, string> = {},
): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await tempDir();
  for (const [name, script] of Object.entries(SCRIPTS)) {
    await writeIn(dir, `bin/docker-credential-${name}`, script, 0o755);
  }
  const env = { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, PIDFILE: join(dir, "pids"), ...extra };
  return { dir, env };
}

/** Whether `pid` still runs, or is a zombie this process has yet to reap (another parent's zombie is dead here). */
function unreaped(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return !(state === "Z" && Number(ppid) !== process.pid);
  } catch {
    return false;
  }
}

/**
 * Polls `check` on the event loop (not on timers, which some tests fake) until it stops throwing, for up to
 * `limitMs` (default 2 s) of real time.
 */
async function until<T>(check: () => T | Promise<T>, limitMs = 2000): Promise<T> {
  const started = performance.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() - started > limitMs) throw error;
      await tick();
    }
  }
}

/** The pids a script wrote to $PIDFILE, once it has written them; they are killed after the test whatever happens. */
async function pidsOf(dir: string): Promise<number[]> {
  const pids = await until(async () => {
    const text = await readFile(join(dir, "pids"), "utf8");
    if (!text.endsWith("\n")) throw new Error("not written yet");
    return text.trim().split(" ").map(Number);
  });
  leftovers.push(...pids);
  return pids;
}

/** Waits until none of `pids` runs. */
async function gone(pids: number[]): Promise<void> {
  await until(async () => {
    for (const pid of pids) expect(await alive(pid), `pid ${pid}`).toBe(false);
  });
}

/** Whether `pid` still runs (a zombie does not: it was killed and waits for its reaper). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** How many handles of `kind` keep the event loop alive right now. */
function active(kind: "PipeWrap" | "ProcessWrap"): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("spawnCredentialHelper reports what the helper did", () => {
  it("passes the verb as argument and the input on stdin, and answers exit code, stdout and stderr", async () => {
    const { env } = await install();
    expect(await spawnCredentialHelper({ env })("echo", "get", "ghcr.io")).toEqual({
      code: 0,
      stdout: "get:ghcr.io",
      stderr: "to stderr\n",
    });
  });

  it("reports a non-zero exit code as it is", async () => {
    const { env } = await install({ EXIT_CODE: "7" });
    expect(await spawnCredentialHelper({ env })("echo", "get", "r.io")).toMatchObject({ code: 7 });
  });

  it("reports a helper killed by a signal as a failure (128), not as success", async () => {
    const { env } = await install();
    expect(await spawnCredentialHelper({ env })("killed", "get", "r.io")).toMatchObject({ code: 128 });
  });

  it("looks the program up on the injected PATH, and on the process's PATH when no env is given", async () => {
    const { env } = await install();
    await expect(
      spawnCredentialHelper({ env: { PATH: "/usr/bin:/bin" } })("echo", "get", "r.io"),
    ).rejects.toMatchObject({ code: "ENOENT" });
    vi.stubEnv("PATH", env.PATH);
    expect(await spawnCredentialHelper()("echo", "get", "r.io")).toMatchObject({
      code: 0,
      stdout: "get:r.io",
    });
  });

  it("a helper that exits without reading its input: its exit code, not a broken pipe", async () => {
    const { env } = await install();
    // More than a pipe holds, so that writing it fails with EPIPE once the helper is gone.
    const input = "x".repeat(1024 * 1024);
    expect(await spawnCredentialHelper({ env })("early", "get", input)).toEqual({
      code: 5,
      stdout: "",
      stderr: "",
    });
  });

  it("answers 1 MiB of output, stdout and stderr together", async () => {
    const half = 512 * 1024;
    const { env } = await install({ BYTES: String(half), ERR_BYTES: String(half) });
    const result = await spawnCredentialHelper({ env })("sized", "get", "r.io");
    expect([result.code, result.stdout.length, result.stderr.length]).toEqual([0, half, half]);
  });
});

describe("spawnCredentialHelper stops a helper that runs too long or prints too much", () => {
  it.each([
    ["stdout", { BYTES: String(1024 * 1024 + 1) }],
    ["stderr", { ERR_BYTES: String(1024 * 1024 + 1) }],
    ["stdout and stderr together", { BYTES: String(512 * 1024), ERR_BYTES: String(512 * 1024 + 1) }],
  ])("one byte more than 1 MiB on %s is EOVERFLOW", async (_where, extra) => {
    const { env } = await install(extra);
    const error = await spawnCredentialHelper({ env })("sized", "get", "r.io").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelperStoppedError);
    expect(error).toMatchObject({
      name: "HelperStoppedError",
      code: "EOVERFLOW",
      message: "docker-credential-sized printed more than 1048576 bytes",
    });
  });

  it("stops a helper past timeoutMs, with what it started, and holds no child handle", async () => {
    const { dir, env } = await install();
    const before = active("ProcessWrap");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const running = spawnCredentialHelper({ env, timeoutMs: 150 })("hang", "get", "r.io");
    const pids = await pidsOf(dir);
    vi.advanceTimersByTime(150);
    await expect(running).rejects.toMatchObject({
      name: "HelperStoppedError",
      code: "ETIMEDOUT",
      message: "docker-credential-hang did not answer within 150 ms",
    });
    // Unreferenced as it is stopped: the killed child's exit, still to come, must not hold the process.
    expect(active("ProcessWrap")).toBe(before);
    await gone(pids);
  });

  it.each<[string, string | undefined, number]>([
    ["a number of seconds", "0.2", 200],
    ["not set", undefined, DEFAULT_HELPER_TIMEOUT_MS],
    ["zero", "0", DEFAULT_HELPER_TIMEOUT_MS],
    ["negative", "-5", DEFAULT_HELPER_TIMEOUT_MS],
    ["infinite", "Infinity", DEFAULT_HELPER_TIMEOUT_MS],
    ["not a number", "soon", DEFAULT_HELPER_TIMEOUT_MS],
  ])("REGATTA_CREDENTIAL_HELPER_TIMEOUT %s (%j): stopped after %d ms", async (_what, value, ms) => {
    const { dir, env } = await install(
      value === undefined ? {} : { REGATTA_CREDENTIAL_HELPER_TIMEOUT: value },
    );
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const running = spawnCredentialHelper({ env })("hang", "get", "r.io");
    const outcome = running.then(
      () => "answered",
      (e: Error) => e.message,
    );
    await pidsOf(dir);
    vi.advanceTimersByTime(ms);
    expect(await outcome).toBe(`docker-credential-hang did not answer within ${ms} ms`);
  });

  it("timeoutMs wins over the environment", async () => {
    const { dir, env } = await install({ REGATTA_CREDENTIAL_HELPER_TIMEOUT: "5" });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const running = spawnCredentialHelper({ env, timeoutMs: 40 })("hang", "get", "r.io");
    await pidsOf(dir);
    vi.advanceTimersByTime(40);
    await expect(running).rejects.toThrow("did not answer within 40 ms");
  });
});

describe("spawnCredentialHelper leaves nothing behind", () => {
  it("clears its timers once the helper has answered", async () => {
    const { env } = await install();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    expect(await spawnCredentialHelper({ env })("echo", "get", "r.io")).toMatchObject({ code: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("answers 500 ms after the helper exits when a grandchild holds its pipes, and lets go of the pipes", async () => {
    const { dir, env } = await install();
    const pipes = active("PipeWrap");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const timers = vi.spyOn(globalThis, "setTimeout");
    let answered = false;
    const running = spawnCredentialHelper({ env })("lingers", "get", "r.io").finally(() => {
      answered = true;
    });
    await pidsOf(dir);
    // The exit is seen when the grace timer joins the timeout timer.
    await until(() => expect(vi.getTimerCount()).toBe(2));
    // The grace wait itself does not keep the process alive.
    const grace = timers.mock.results[1]!.value as NodeJS.Timeout;
    expect(grace.hasRef()).toBe(false);
    vi.advanceTimersByTime(499);
    await tick();
    expect(answered).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await running).toEqual({ code: 0, stdout: "answered", stderr: "" });
    expect(vi.getTimerCount()).toBe(0);
    await tick();
    await tick();
    expect(active("PipeWrap")).toBe(pipes);
  });
});

describe("a process that exits kills the helpers still running", () => {
  type Module = typeof import("./credential-helper.js");

  /**
   * A fresh copy of the module for the tests of the calling describe (its exit hook is installed once per module),
   * loaded in beforeAll: outside any test, so that its module-level constants count as loaded, not as a test's.
   */
  function freshModule(): { current: Module } {
    const loaded = {} as { current: Module };
    beforeAll(async () => {
      vi.resetModules();
      loaded.current = await import("./credential-helper.js");
    });
    return loaded;
  }

  /** Captures what is registered with `process.once("exit")` from now on, instead of registering it. */
  function captureExitHooks(): (() => void)[] {
    const hooks: (() => void)[] = [];
    const once = process.once.bind(process);
    vi.spyOn(process, "once").mockImplementation(((event: string, listener: () => void) => {
      if (event !== "exit") return once(event, listener);
      hooks.push(listener);
      return process;
    }) as typeof process.once);
    return hooks;
  }

  describe("one helper", () => {
    const module = freshModule();
    it("on exit, a helper still waiting and what it started are killed", async () => {
      const hooks = captureExitHooks();
      const { dir, env } = await install();
      const running = module.current.spawnCredentialHelper({ env, timeoutMs: 3000 })("hang", "get", "r.io");
      const pids = await pidsOf(dir);
      expect(hooks).toHaveLength(1);
      hooks[0]!();
      // Killed by a signal, the helper reports the failure code 128.
      expect(await running).toMatchObject({ code: 128 });
      await gone(pids);
    });
  });

  describe("several helpers", () => {
    const module = freshModule();
    it("installs one exit hook for any number of helpers, and does not signal helpers that have finished", async () => {
      const hooks = captureExitHooks();
      const { env } = await install();
      const run = module.current.spawnCredentialHelper({ env });
      await run("echo", "get", "a.io");
      await run("echo", "get", "b.io");
      expect(hooks).toHaveLength(1);
      const kill = vi.spyOn(process, "kill");
      hooks[0]!();
      expect(kill).not.toHaveBeenCalled();
    });
  });
});
