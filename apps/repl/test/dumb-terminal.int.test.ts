/**
 * A dumb terminal (TERM=dumb: emacs's shell) takes no control sequences: a transfer in the REPL draws no progress
 * bars there (no hidden cursor, no cursor moves), as on a pipe; on another terminal it does. One rule with the CLI's
 * (@regatta/present's takesControls).
 */
import { generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { drivenRepls } from "./drive-repl.js";

describe("progress bars on a dumb terminal", () => {
  const registry = useRegistry("none");
  const driveRepl = drivenRepls();

  beforeAll(async () => {
    const image = await generateImage({ seed: "repl-dumb-terminal", layers: [200_000, 300_000] });
    await pushImage(registry.url, "src/app", "1.0", image);
  }, 60_000);

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** A copy in a REPL on a TTY with TERM set: everything written, escapes included. */
  const copyOn = async (term: string, target: string) => {
    vi.stubEnv("TERM", term);
    const repl = await driveRepl({ registry: registry.url, tty: true });
    const answer = await repl.send(`await reg.copy("src/app:1.0", "${target}/app:1.0")`);
    expect(answer).toContain("copied ");
    return repl.raw();
  };

  it("draws bars on a terminal, and no control sequence at all on a dumb one", async () => {
    // The bars hide the cursor first: so this test can fail.
    expect(await copyOn("xterm-256color", "capable")).toContain("\u001b[?25l");
    const dumb = await copyOn("dumb", "dumb");
    expect(dumb).not.toMatch(/\u001b/);
  });
});
