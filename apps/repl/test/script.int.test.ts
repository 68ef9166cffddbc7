import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { generateImage, pushImage, startFaultProxy, useRegistry } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRepl } from "../src/index.js";
import { type DrivenRepl, driveRepl } from "./drive-repl.js";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "apps/cli/dist/bin.cjs");

/** A REPL without a terminal fed `script` in one chunk, then the end of input; resolves once it has exited. */
async function runScript(registry: string, script: string, historyFile?: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = "";
  output.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8");
  });
  const running = await startRepl({
    registry,
    input,
    output,
    terminal: false,
    ...(historyFile ? { historyFile } : {}),
  });
  input.end(script);
  await running.closed;
  return { screen, failures: running.failures };
}

/** The built `regatta repl` with `script` on its stdin (a pipe); its output and exit status. */
function runCli(registry: string, script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, "repl", "--history-file", "", registry],
      { encoding: "utf8", timeout: 30_000 },
      (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? Number(error.code ?? 1) : 0 }),
    );
    // A REPL that exits before reading all its script closes the pipe: its EPIPE is no failure of the test.
    child.stdin?.on("error", () => {});
    child.stdin?.end(script);
  });
}

describe("a script piped into the REPL (no terminal)", () => {
  const registry = useRegistry("none");
  const dir = mkdtempSync(join(tmpdir(), "regatta-repl-script-"));

  beforeAll(async () => {
    await pushImage(registry.url, "team/api", "1.0", await generateImage({ layers: 2 }));
  });

  it("evaluates one line after another: an awaited name is there on the next line, results in order", async () => {
    const { screen, failures } = await runScript(
      registry.url,
      [
        'const d = await reg.digest("team/api:1.0")',
        'console.log("digest is", d)',
        'reg.tags("team/api")',
        "foo.bar",
        "1 + 1",
        "",
      ].join("\n"),
    );
    expect(screen).toMatch(/digest is sha256:[0-9a-f]{64}/);
    const tags = screen.indexOf("team/api 1 tag");
    const error = screen.indexOf("✖ ReferenceError: foo is not defined");
    // No prompt without a terminal: the result is the line.
    const two = screen.search(/\n2\n/);
    expect(tags).toBeGreaterThan(screen.indexOf("digest is"));
    expect(error).toBeGreaterThan(tags);
    expect(two).toBeGreaterThan(error);
    expect(failures).toBe(1);
  });

  it("at the end of input, waits for the last line (a pull) before closing the clients", async () => {
    const file = join(dir, "api.tar");
    const { screen, failures } = await runScript(
      registry.url,
      `reg.pull(["team/api:1.0"], ${JSON.stringify(file)}, { format: "docker" })\n`,
    );
    expect(screen).not.toMatch(/connection pool closed|UNREACHABLE/);
    expect(screen).toContain(`pulled 1 image to ${file} (docker)`);
    expect(statSync(file).size).toBeGreaterThan(0);
    expect(failures).toBe(0);
  });

  it("a statement over several lines still reads the lines that follow", async () => {
    const { screen } = await runScript(registry.url, "const o = {\n  a: 1,\n}\nconsole.log('a is', o.a)\n");
    expect(screen).toContain("a is 1");
  });

  it("writes no history without a terminal (documented): a script is not typed lines", async () => {
    const historyFile = join(dir, "history");
    await runScript(registry.url, "1 + 1\n", historyFile);
    expect(existsSync(historyFile)).toBe(false);
  });

  it("the built regatta repl exits 1 after a failed line on a piped stdin, 0 when every line went well", async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`);
    const failed = await runCli(registry.host, 'await reg.tags("team/api")\nfoo.bar\nreg.ctx.platform\n');
    expect(failed.stdout).toContain("team/api 1 tag");
    expect(failed.stderr).toContain("foo is not defined");
    expect(failed.code).toBe(1);
    const fine = await runCli(
      registry.host,
      'const t = await reg.allTags("team/api")\nconsole.log(t.length)\n',
    );
    expect(fine.stdout).toBe("1\n");
    expect(fine.code).toBe(0);
  });

  it("the built regatta repl with a piped script: results on stdout, no banner nor prompt; errors on stderr (as psql -f)", async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`);
    const run = await runCli(
      registry.host,
      'reg.tags("team/api")\nreg.tags("team/nope")\nconst o = {\n  a: 6 * 7,\n}\no.a\n',
    );
    expect(run.stdout).toBe("team/api 1 tag\n  1.0\n42\n");
    expect(run.stderr).toMatch(/^✖ list tags of .*team\/nope.*NAME_UNKNOWN/m);
    expect(run.stderr).not.toMatch(/Regatta REPL|> /);
    expect(run.code).toBe(1);
  });
});

describe("errors at the REPL's boundary", () => {
  const registry = useRegistry("none");
  let repl: DrivenRepl | undefined;
  afterEach(async () => {
    await repl?.close();
    repl = undefined;
  });

  it("a call with a missing or wrong argument is a UsageError naming the call and what it takes", async () => {
    repl = await driveRepl({ registry: registry.url });
    expect(await repl.send("reg.tags()")).toBe(
      '✖ reg.tags(repository, options?) needs repository: a repository name such as "team/api" (USAGE)',
    );
    expect(await repl.send("reg.manifest(42)")).toBe(
      '✖ reg.manifest(reference, options?): reference takes an image reference such as "team/api:1.0", not the number 42 (USAGE)',
    );
    expect(await repl.send("reg.manifest({})")).toMatch(
      /^✖ reg\.manifest\(reference, options\?\): .* not an object \(USAGE\)$/,
    );
    expect(await repl.send('reg.tags("team/api", "n=1")')).toMatch(/options takes an options object/);
    expect(await repl.send("reg.with({ platform: 'linux/amd64' }).digest()")).toMatch(
      /^✖ reg\.digest\(reference/,
    );
    expect(await repl.send("try { reg.tags() } catch (e) { e instanceof UsageError && e.code }")).toBe(
      "'USAGE'",
    );
  });

  it("an error nothing awaited (a stream kept in a variable, a timer) prints as one line, and the session goes on", async () => {
    repl = await driveRepl({ registry: registry.url });
    expect(await repl.send("const s = new stream.PassThrough()")).toBe("");
    let from = repl.screen().length;
    repl.type('s.destroy(new Error("source died"))\r');
    let out = await repl.waitFor((t) => t.includes("source died") && /> $/.test(t), from);
    expect(out).not.toMatch(/Uncaught|<ref|_readableState|\n +at /);
    expect(out.split("\n").filter((l) => l.includes("source died"))).toHaveLength(1);
    from = repl.screen().length;
    repl.type('void setTimeout(() => { throw new TypeError("late") }, 10)\r');
    out = await repl.waitFor((t) => t.includes("✖") && /> $/.test(t), from);
    expect(out).toContain("✖ TypeError: late");
    expect(out).not.toMatch(/Uncaught|\n +at /);
    expect(await repl.send("40 + 2")).toBe("42");
    expect(repl.running.failures).toBe(2);
  });
});

describe("Ctrl-C during a pull drawing progress bars", () => {
  const registry = useRegistry("none");
  const dir = mkdtempSync(join(tmpdir(), "regatta-repl-pull-"));
  let repl: DrivenRepl | undefined;

  beforeAll(async () => {
    await pushImage(registry.url, "big/blob", "1", await generateImage({ layers: [200_000] }));
  });
  afterEach(async () => {
    await repl?.close();
    repl = undefined;
  });

  it("clears the bars, prints the interrupt with the pull's note on its partial download, and gives the prompt back", async () => {
    // The layer's body stops after 64 kB: the pull hangs there, bars drawn, until Ctrl-C.
    const proxy = await startFaultProxy(registry.url, [
      {
        method: "GET",
        path: /\/blobs\/sha256:/,
        fault: { type: "stall", afterBytes: 65_536 },
        times: Number.POSITIVE_INFINITY,
      },
    ]);
    try {
      repl = await driveRepl({ registry: proxy.url, tty: true });
      const file = join(dir, "big.tar");
      const from = repl.screen().length;
      repl.type(`reg.pull("big/blob:1", ${JSON.stringify(file)})\r`);
      await repl.waitFor((t) => t.includes("total"), from);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = repl.raw().length;
      repl.type("\x03");
      const out = await repl.waitFor((t) => /interrupted[\s\S]*\n[\w.:]+> $/.test(t), from, 10_000);
      expect(out).toMatch(
        /✖ interrupted \(Ctrl-C\); requests in flight were aborted \(the partial download is kept in .*: run the same pull again to resume it, or delete it\) \(ABORTED\)/,
      );
      // Nothing drawn after the message moves the cursor up over it: the bars were cleared before it was printed.
      const after = repl.raw().slice(before);
      const message = after.indexOf("interrupted");
      expect(message).toBeGreaterThan(-1);
      expect(after.slice(message)).not.toMatch(/\x1b\[\d*A/);
      expect(after.slice(message)).not.toContain("total");
      expect(readdirSync(dir).some((f) => f.includes("partial"))).toBe(true);
      expect(await repl.send("40 + 2")).toBe("42");
    } finally {
      await proxy.close();
    }
  });
});
