import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_USERS,
  generateImage,
  generateIndex,
  harSchemaErrors,
  pushImage,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "apps/cli/dist/bin.cjs");

/**
 * The built `regatta repl` in a real terminal: tmux (on its own server socket, so a user's sessions are never
 * touched) gives it a 200×50 pty; keys go in with send-keys and the screen is read back with capture-pane.
 */
describe("regatta repl in a real terminal (tmux)", () => {
  const registry = useRegistry("none");
  const socket = `regatta-repl-test-${process.pid}`;
  const home = mkdtempSync(join(tmpdir(), "regatta-repl-tmux-"));
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const screen = () => tmux("capture-pane", "-p", "-t", "repl");
  const waitForScreen = async (text: string | RegExp, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = screen();
      if (typeof text === "string" ? shown.includes(text) : text.test(shown)) return shown;
      if (Date.now() > deadline) throw new Error(`"${text}" never appeared; the screen reads:\n${shown}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`);
    const image = await generateImage({ layers: 2 });
    await pushImage(registry.url, "team/api", "1.0", image);
    await pushImage(registry.url, "team/api", "latest", image);
    // `echo EXITED:$?` shows on screen how the REPL ended; `sleep` keeps the pane to read it.
    const command = `env HOME=${home} ${process.execPath} ${bin} repl ${registry.url}; echo EXITED:$?; sleep 60`;
    tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "repl", command);
  });
  afterAll(() => {
    try {
      tmux("kill-server");
    } catch {
      // already gone
    }
  });

  it("completes, prints readable results, and exits cleanly", async () => {
    await waitForScreen(`reg → ${registry.url}`);
    await waitForScreen(`${registry.host}>`);

    tmux("send-keys", "-t", "repl", 'reg.tags("te', "Tab");
    await waitForScreen('reg.tags("team/api');
    tmux("send-keys", "-t", "repl", '")', "Enter");
    await waitForScreen(/team\/api 2 tags\n {2}\S+ +\S+\n/);

    tmux("send-keys", "-t", "repl", 'reg.inspect("team/api:1', "Tab");
    await waitForScreen('reg.inspect("team/api:1.0');
    tmux("send-keys", "-t", "repl", '")', "Enter");
    await waitForScreen(/# {2}LAYER +SIZE +MEDIA TYPE\n1 {2}sha256:[0-9a-f]{12}/);

    tmux("send-keys", "-t", "repl", 'reg.manifest("team/nope:1")', "Enter");
    const shown = await waitForScreen("✖ get manifest");
    expect(shown).toMatch(/✖ get manifest .*team\/nope:1: .*(NAME_UNKNOWN|MANIFEST_UNKNOWN)/);

    tmux("send-keys", "-t", "repl", ".exit", "Enter");
    await waitForScreen("EXITED:0");
    // The history went to the default place in the (temporary) home.
    expect(readFileSync(join(home, ".regatta_repl_history"), "utf8").split("\n")[0]).toBe(".exit");
  });
});

/**
 * Issue 14's scripted session, in a real terminal against the real registry with token auth: an index explored as a
 * tree, a pull with its progress ending in one line, a file read from a layer, help(reg.copy), auth explained, and
 * the session recorded as HAR — each asserted on what the screen shows.
 */
describe("exploring a token registry in a real terminal (tmux)", () => {
  const registry = useRegistry("token");
  const [[username, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  const socket = `regatta-repl-explore-${process.pid}`;
  const home = mkdtempSync(join(tmpdir(), "regatta-repl-explore-"));
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "explore");
  let mark = 0;
  /** Waits for `text` in what the screen shows after the last command sent (the scrollback included). */
  const waitForScreen = async (text: string | RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = screen().slice(mark);
      if (typeof text === "string" ? shown.includes(text) : text.test(shown)) return shown;
      if (Date.now() > deadline) throw new Error(`"${text}" never appeared; the screen reads:\n${shown}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const send = (line: string) => {
    mark = screen().trimEnd().length;
    tmux("send-keys", "-t", "explore", "-l", line);
    tmux("send-keys", "-t", "explore", "Enter");
  };

  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`);
    const credentials = { username, password };
    const index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64"],
      layers: [300_000],
      fileLayers: [[{ name: "etc/os-release", content: "NAME=Regatta Linux\nID=regatta\n" }]],
    });
    await pushImage(registry.url, "team/web", "2.0", index, credentials);
    const command = `env HOME=${home} REGATTA_PASSWORD=${password} ${process.execPath} ${bin} repl ${registry.url} -u ${username}; echo EXITED:$?; sleep 60`;
    tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "explore", command);
  }, 60_000);
  afterAll(() => {
    try {
      tmux("kill-server");
    } catch {
      // already gone
    }
  });

  it("explores an index, pulls, reads a file, asks for help, explains auth and records a HAR", async () => {
    await waitForScreen(`${registry.host}>`);

    send('reg.manifest("team/web:2.0")');
    await waitForScreen(/index 2 manifests\n {2}├── linux\/amd64 +sha256:[0-9a-f]{12}/);
    await waitForScreen(/│ {3}[├└]── layer +sha256:[0-9a-f]{12} +300 kB {2}layer\.v1\.tar\+gzip/);

    const out = join(home, "web.tar");
    send(`reg.pull(["team/web:2.0"], "${out}", { format: "docker", platform: "linux/arm64" })`);
    await waitForScreen(/pulled 1 image to .*web\.tar \(docker\): \d+ blobs \(\d+ downloaded/);
    expect(existsSync(out)).toBe(true);

    send('reg.file("team/web:2.0", "/etc/os-release")');
    await waitForScreen("NAME=Regatta Linux");

    send("help(reg.copy)");
    await waitForScreen(/reg\.copy\(source, target, options\?\)\n {2}an image or index copied/);

    send('reg.explain("team/web:2.0")');
    const explained = await waitForScreen(/verdict: .+/);
    expect(explained).toMatch(/2\. credentials/);
    expect(explained).toContain(`user ${username}`);

    const har = join(home, "session.har");
    send(`.har ${har}`);
    await waitForScreen(/wrote \d+ HTTP exchanges to .*session\.har \(secrets redacted\)/);
    const archive = JSON.parse(readFileSync(har, "utf8"));
    expect(harSchemaErrors(archive)).toEqual([]);
    expect(JSON.stringify(archive)).not.toContain(password);
    expect(screen()).not.toContain(password);

    send(".exit");
    await waitForScreen("EXITED:0");
  });
});
