import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "apps/cli/dist/bin.js");

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
