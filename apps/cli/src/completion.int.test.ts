/**
 * `regatta completion` (issue 12) through the built CLI: each shell's script is produced and parsed by the shell
 * itself (`bash -n`, `zsh -n`, `fish -n`; scripts/setup.sh installs zsh and fish), and the bash script really
 * completes: sourced in bash, its function is called with the variables bash sets on TAB and answers commands, a
 * command's flags, and the tags and repositories of a real registry of the test kit (with the credentials of a saved
 * login), nothing from a registry that does not answer, within the deadline.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEFAULT_USERS, generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const [[USERNAME, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));

function installed(shell: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${shell}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.each(["bash", "zsh", "fish"])("regatta completion %s", (shell) => {
  it.skipIf(!installed(shell))("prints a script the shell parses", async () => {
    const { code, stdout, stderr } = await regatta(["completion", shell]);
    expect([code, stderr]).toEqual([0, ""]);
    expect(stdout).toContain("regatta __complete --");
    const file = join(mkdtempSync(join(tmpdir(), "regatta-completion-")), `regatta.${shell}`);
    writeFileSync(file, stdout);
    // Throws (failing the test) with the shell's complaint when the script does not parse.
    execFileSync(shell, ["-n", file], { stdio: "pipe" });
  });
});

describe("regatta completion", () => {
  it("refuses a shell it has no script for (exit 2), and is listed in --help", async () => {
    const other = await regatta(["completion", "tcsh"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('no completion script for "tcsh": choose bash, zsh, fish');
    const help = await regatta(["--help"]);
    expect(help.stdout).toMatch(/\n {2}completion .*shell completion script/);
    expect(help.stdout).not.toContain("__complete");
  });
});

describe("the bash script, sourced in bash and called as on TAB", () => {
  const registry = useRegistry("basic");
  let home: string;
  let env: Record<string, string>;
  let script: string;
  let silent: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const image = await generateImage({ layers: [64] });
    for (const [repository, tag] of [
      ["team/app", "1.0"],
      ["team/app", "1.1"],
      ["team/app", "2.0"],
      ["team/web", "latest"],
    ] as const) {
      await pushImage(registry.url, repository, tag, image, { username: USERNAME, password: PASSWORD });
    }
    home = mkdtempSync(join(tmpdir(), "regatta-completion-home-"));
    // `regatta` on PATH is the build, as an installed one would be.
    mkdirSync(join(home, "bin"));
    writeFileSync(join(home, "bin", "regatta"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, {
      mode: 0o755,
    });
    // A saved login, which completion uses as every command does.
    mkdirSync(join(home, ".docker"));
    const auth = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
    writeFileSync(
      join(home, ".docker", "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth } } }),
    );
    env = {
      PATH: `${join(home, "bin")}:${process.env.PATH ?? ""}`,
      HOME: home,
      DOCKER_CONFIG: join(home, ".docker"),
    };
    script = join(home, "regatta.bash");
    writeFileSync(script, (await regatta(["completion", "bash"])).stdout);
    // Accepts connections and never answers: a registry too slow for a TAB.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  /**
   * Sources the script and calls `_regatta` as bash does on TAB: COMP_WORDS split at bash's word breaks (so
   * `host:port/repo:` is several words), COMP_CWORD, and COMP_LINE/COMP_POINT with the cursor at the end of `line`.
   */
  async function complete(line: string, withLine = true, breaks = ` \t\n"'@><=;|&(:`): Promise<string[]> {
    const split = breaks.includes("=") ? /[^\s:=]+|[:=]+/g : /[^\s:]+|:+/g;
    const words: string[] = line.match(split) ?? [];
    if (/\s$/.test(line)) words.push("");
    const quoted = words.map((w) => `'${w}'`).join(" ");
    const setLine = withLine
      ? `COMP_LINE='${line}'; COMP_POINT=${line.length};`
      : "unset COMP_LINE COMP_POINT;";
    const program = `source '${script}'; COMP_WORDBREAKS=$BREAKS; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; ${setLine} _regatta; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await promisify(execFile)("bash", ["-c", program], {
      env: { ...env, BREAKS: breaks },
    });
    return stdout.split("\n").filter(Boolean);
  }

  it("completes commands, from COMP_LINE or from COMP_WORDS alone", async () => {
    expect(await complete("regatta lo")).toEqual(["login", "logout"]);
    expect(await complete("regatta comp", false)).toEqual(["completion"]);
    expect(await complete("regatta ")).toEqual(
      expect.arrayContaining(["tags", "copy", "login", "completion"]),
    );
  });

  it("completes a command's flags and the global ones", async () => {
    expect(await complete("regatta tags --d")).toEqual(["--digests"]);
    expect(await complete("regatta login --pass")).toEqual(["--password", "--password-stdin"]);
    expect(await complete("regatta completion ")).toEqual(["bash", "zsh", "fish"]);
  });

  it("completes a --flag=value as the part after the = bash replaces, not doubling the flag", async () => {
    expect(await complete("regatta tags --sort=s")).toEqual(["semver"]);
    expect(await complete("regatta tags --sort=")).toEqual(expect.arrayContaining(["semver", "none"]));
    // With = not a word break, bash replaces the whole word: the candidate stays whole.
    expect(await complete("regatta tags --sort=s", true, " \t\n:")).toEqual(["--sort=semver"]);
  });

  it("completes the tags of a repository on the registry, as the part after the colon bash replaces", async () => {
    expect(await complete(`regatta tags ${registry.host}/team/app:`)).toEqual(["1.0", "1.1", "2.0"]);
    expect(await complete(`regatta manifest ${registry.host}/team/app:1.`)).toEqual(["1.0", "1.1"]);
    expect(await complete(`regatta copy ${registry.host}/team/app:1.0 ${registry.host}/team/web:l`)).toEqual([
      "latest",
    ]);
  });

  it("uses the --authfile typed on the line (both spellings), as the command will", async () => {
    // Was anonymous (nothing): the words after `--` were never parsed as flags.
    const anonymous = { ...env, DOCKER_CONFIG: join(home, "nowhere") };
    const file = join(home, "s1.json");
    const auth = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
    writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { auth } } }));
    for (const flag of [["--authfile", file], [`--authfile=${file}`]]) {
      const got = await promisify(execFile)(
        "regatta",
        ["__complete", "--", ...flag, "inspect", `${registry.host}/team/app:`],
        { env: anonymous },
      );
      expect(got.stdout.split("\n").filter(Boolean)).toEqual(
        ["1.0", "1.1", "2.0"].map((t) => `${registry.host}/team/app:${t}`),
      );
    }
  });

  it("completes repositories from the registry's catalog", async () => {
    const port = registry.host.slice(registry.host.lastIndexOf(":") + 1);
    expect(await complete(`regatta tags ${registry.host}/team/`)).toEqual([
      `${port}/team/app`,
      `${port}/team/web`,
    ]);
  });

  it("offers nothing, quickly, for a registry that refuses, is not there, or does not answer", async () => {
    const started = performance.now();
    const host = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    expect(await complete(`regatta tags ${host}/team/app:`)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(await complete("regatta tags 127.0.0.1:1/team/app:")).toEqual([]);
    const anonymous = { ...env, DOCKER_CONFIG: join(home, "nowhere") };
    const refused = await promisify(execFile)(
      "regatta",
      ["__complete", "--", "tags", `${registry.host}/team/app:`],
      {
        env: anonymous,
      },
    );
    expect(refused).toEqual({ stdout: "", stderr: "" });
  });
});
