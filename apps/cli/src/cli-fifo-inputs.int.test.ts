/**
 * A FIFO at any file the user names for Regatta to read whole (QA H9): refused at once in one line, exit 2. A blocking
 * open() of it waited for a writer on libuv's thread pool for good, and neither SIGINT nor SIGTERM ended the process
 * (Node's exit joins that pool). /dev/stdin, a pipe the process holds, is still read.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const dir = mkdtempSync(join(tmpdir(), "regatta-fifo-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, "fifo");
spawnSync("mkfifo", [fifo]);
// Nothing listens on port 1: no case gets as far as a request.
const repo = "127.0.0.1:1/team/app";
const ref = `${repo}:1`;

/** A hosts config (XDG_CONFIG_HOME/regatta/config.json) whose caFile is the FIFO, and one that is the FIFO. */
function hostsConfig(name: string, fifoIsConfig: boolean): Record<string, string> {
  const home = join(dir, name);
  mkdirSync(join(home, "regatta"), { recursive: true });
  const config = join(home, "regatta", "config.json");
  if (fifoIsConfig) spawnSync("mkfifo", [config]);
  else writeFileSync(config, JSON.stringify({ hosts: { "127.0.0.1:1": { caFile: fifo } } }));
  return { XDG_CONFIG_HOME: home };
}

describe("a FIFO named as an input file", () => {
  it.each<[string, string[], string | RegExp, Record<string, string>?]>([
    [
      "sync --config",
      ["sync", "--config", fifo, "127.0.0.1:1/mirror"],
      `--config ${fifo}: cannot read it (it is a FIFO)`,
    ],
    ["--ca-file", ["--ca-file", fifo, "tags", repo], `--ca-file ${fifo}: cannot read it (it is a FIFO)`],
    [
      "--cert-file and --key-file",
      ["--cert-file", fifo, "--key-file", fifo, "tags", repo],
      `--cert-file ${fifo}: cannot read it (it is a FIFO)`,
    ],
    ["copy --from-file", ["copy", "--from-file", fifo], `--from-file ${fifo}: cannot read it (it is a FIFO)`],
    ["put-manifest's file", ["put-manifest", ref, fifo], `cannot read ${fifo}: it is a FIFO`],
    ["schema1 sign --key", ["schema1", "sign", "--key", fifo, ref], `cannot read ${fifo}: it is a FIFO`],
    [
      "the hosts config's caFile",
      ["tags", repo],
      new RegExp(`caFile ${fifo}: cannot read it \\(it is a FIFO\\)$`),
      hostsConfig("ca", false),
    ],
    ["the hosts config itself", ["tags", repo], /config\.json: it is a FIFO$/, hostsConfig("config", true)],
  ])("%s: exits at once with one line", async (_what, args, message, env) => {
    // killAfter: without the fix the run never ends; it is killed (code -1) rather than hanging the suite.
    const r = await regatta(args, { killAfter: 60_000, ...(env ? { env } : {}) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    if (typeof message === "string") expect(lines[0]).toBe(`regatta: ${message}`);
    else expect(lines[0]).toMatch(message);
  });

  it("/dev/stdin, a pipe the process holds, is still read", () => {
    // Through a shell's pipe: the test helper's stdin is a socket, which /dev/stdin never opened.
    const bin = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
    const run = (input: string, args: string) =>
      spawnSync("sh", ["-c", `printf '${input}' | "${process.execPath}" "${bin}" ${args}`], {
        env: { PATH: process.env.PATH ?? "", HOME: dir },
        encoding: "utf8",
        timeout: 60_000,
      });
    const list = run("one two three\\n", "copy --from-file /dev/stdin");
    expect(list.status).toBe(2);
    expect(list.stderr).toBe('regatta: /dev/stdin:1: want "SOURCE TARGET", got 3 words\n');
    const config = run("nope: 1\\n", `sync --config /dev/stdin ${repo}`);
    expect(config.status).toBe(2);
    expect(config.stderr).not.toMatch(/cannot read/);
  });
});
