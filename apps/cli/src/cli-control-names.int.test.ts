/**
 * Every line that names a local path quotes it (@regatta/errors quotePath), the success and info lines as the
 * errors, and a name a registry chose (an artifact's file titles) is escaped: a name with ESC or a newline in it
 * neither restyles the terminal nor forges a second line, on stdout or stderr (QA H10 #1).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quotePath } from "@regatta/errors";
import {
  DEFAULT_USERS,
  type GeneratedImage,
  generateImage,
  pushImage,
  tempDirs,
  useRegistry,
} from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

/** ESC starting a colour, a newline forging a `regatta:` line, a bidi override and a C1 CSI. */
const HOSTILE = "z\x1b[31mRED\nregatta: forged \u202Eabc\u009b2J";
/** What chk.py of the QA flags: a control in any output but the newlines that end lines. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const temp = tempDirs("regatta-cli-ctrl-");

/** Both streams hold no raw control, no forged line, and name `path` quoted as quotePath quotes it. */
function clean(r: { stdout: string; stderr: string }, path?: string): void {
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text.split("\n").filter((line) => line.startsWith("regatta: forged"))).toEqual([]);
  }
  if (path !== undefined) expect(`${r.stdout}${r.stderr}`).toContain(quotePath(path));
}

describe("local paths with control characters in CLI lines", () => {
  const registry = useRegistry("none");
  let image: GeneratedImage;
  let ref: string;
  beforeAll(async () => {
    image = await generateImage({ layers: [2048], seed: "ctrl-names" });
    await pushImage(registry.url, "c/app", "1", image);
    ref = `${registry.host}/c/app:1`;
  }, 60_000);

  it("pull, blob -o, export -o and --har say what they wrote with the name quoted", async () => {
    const dir = temp();
    const tar = join(dir, `${HOSTILE}.tar`);
    const pulled = await regatta(["pull", ref, tar]);
    expect(pulled.code, pulled.stderr).toBe(0);
    clean(pulled, tar);
    const blobFile = join(dir, `${HOSTILE}.blob`);
    const blob = await regatta(["blob", `${registry.host}/c/app@${image.layers[0]!.digest}`, "-o", blobFile]);
    expect(blob.code, blob.stderr).toBe(0);
    clean(blob, blobFile);
    const exported = join(dir, `${HOSTILE}.fs.tar`);
    const exp = await regatta(["export", ref, "-o", exported]);
    expect(exp.code, exp.stderr).toBe(0);
    clean(exp, exported);
    const har = join(dir, `${HOSTILE}.har`);
    const tags = await regatta(["--har", har, "tags", `${registry.host}/c/app`]);
    expect(tags.code, tags.stderr).toBe(0);
    clean(tags, har);
  });

  it("push names its source quoted; --har to a directory and sync --config of a missing file too", async () => {
    const dir = temp();
    const tar = join(dir, "src.tar");
    expect((await regatta(["pull", ref, tar])).code).toBe(0);
    const source = join(dir, `${HOSTILE}.tar`);
    cpSync(tar, source);
    const pushed = await regatta(["push", source, `${registry.host}/c/back:1`]);
    expect(pushed.code, pushed.stderr).toBe(0);
    clean(pushed, source);
    const harDir = join(dir, `${HOSTILE}.d`);
    mkdirSync(harDir);
    const har = await regatta(["--har", harDir, "tags", `${registry.host}/c/app`]);
    expect(har.code).toBe(2);
    clean(har, harDir);
    const config = join(dir, `${HOSTILE}.yaml`);
    const sync = await regatta(["sync", "--config", config, `${registry.host}/mirror`]);
    expect(sync.code).toBe(2);
    clean(sync, config);
  });

  it("a pull, blob -o, export -o or --har into a FIFO nobody reads says so once, the FIFO's name quoted", async () => {
    const dir = temp();
    const fifo = join(dir, `${HOSTILE}.fifo`);
    execFileSync("mkfifo", [fifo]);
    // Nobody ever reads: each run waits until it is killed, and must have said why by then.
    const runs = await Promise.all([
      regatta(["pull", ref, fifo], { killAfter: 15_000 }),
      regatta(["--har", fifo, "tags", `${registry.host}/c/app`], { killAfter: 15_000 }),
      regatta(["blob", `${registry.host}/c/app@${image.layers[0]!.digest}`, "-o", fifo], {
        killAfter: 15_000,
      }),
      regatta(["export", ref, "-o", fifo], { killAfter: 15_000 }),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(-1);
      expect(r.stderr.split(`waiting for a reader of the FIFO ${quotePath(fifo)}\n`)).toHaveLength(2);
      clean(r);
    }
  }, 40_000);

  it("artifact pull lists the files it wrote, named by the registry's titles, quoted", async () => {
    const dir = temp();
    const title = `t${HOSTILE}.txt`;
    writeFileSync(join(dir, title), "hi");
    const pushed = await regatta([
      "artifact",
      "push",
      `${registry.host}/c/art:1`,
      join(dir, title),
      "--artifact-type",
      "application/x-test",
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const out = join(dir, "out");
    const pulled = await regatta(["artifact", "pull", `${registry.host}/c/art:1`, "-o", out]);
    expect(pulled.code, pulled.stderr).toBe(0);
    clean(pulled, join(out, title));
    expect(pulled.stdout.split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("login and logout name a credentials file with control characters quoted", () => {
  const registry = useRegistry("basic");
  const [[user, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];

  it("Login Succeeded … saved in FILE, and Removed the login credentials … from FILE", async () => {
    const file = join(temp(), `${HOSTILE}.json`);
    const login = await regatta(
      ["--authfile", file, "login", registry.host, "-u", user, "--password-stdin"],
      {
        input: password,
      },
    );
    expect(login.code, login.stderr).toBe(0);
    clean(login, file);
    expect(login.stdout).toMatch(/^Login Succeeded: /);
    const logout = await regatta(["--authfile", file, "logout", registry.host]);
    expect(logout.code, logout.stderr).toBe(0);
    clean(logout, file);
  });
});
