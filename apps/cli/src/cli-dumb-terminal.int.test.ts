/**
 * A dumb terminal (TERM=dumb: emacs's shell, some CI logs) takes no control sequences at all: no progress bars, no
 * hidden cursor, no line rewritten in place, as a pipe gets none (QA: `TERM=dumb regatta copy` drew its bars with
 * cursor moves). NO_COLOR removes colour only; TERM=dumb removes every control sequence (terminal-controls.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "./test-cli.js";

const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));

/** Runs `regatta ARGS` on a pseudo-terminal (script(1)) with TERM set: its status and everything drawn. */
function onTerminal(term: string, args: string[]): { status: number | null; drawn: string } {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(" ");
  const run = spawnSync("script", ["-qec", command, "/dev/null"], {
    encoding: "utf8",
    env: cleanEnv(mkdtempSync(join(tmpdir(), "regatta-home-")), { TERM: term }),
  });
  return { status: run.status, drawn: run.stdout };
}

/** Any ESC (CSI, cursor moves, SGR) or a carriage return that is no line end: what a dumb terminal shows as junk. */
const CONTROL = /\u001b|\r(?!\n)/;

describe("TERM=dumb: no control sequences on a terminal", () => {
  const registry = useRegistry("none");

  beforeAll(async () => {
    const image = await generateImage({ seed: "dumb-terminal", layers: [200_000, 300_000] });
    await pushImage(registry.url, "src/app", "1.0", image);
    for (const tag of ["a", "b", "c"]) await pushImage(registry.url, "inv/app", tag, image);
  }, 60_000);

  it.each([
    ["copy", (n: number) => ["copy", `${registry.host}/src/app:1.0`, `${registry.host}/dst${n}/app:1.0`]],
    ["inventory", () => ["inventory", `${registry.host}/inv/app`]],
  ])("%s draws its progress on a terminal, and nothing of it on a dumb one", (_, args) => {
    // The same command on a capable terminal does draw (so this test can fail): the bars hide the cursor.
    const xterm = onTerminal("xterm-256color", args(1));
    expect(xterm.status, xterm.drawn).toBe(0);
    if (args(0)[0] === "copy") expect(xterm.drawn).toContain("\u001b[?25l");
    const dumb = onTerminal("dumb", args(2));
    expect(dumb.status, dumb.drawn).toBe(0);
    expect(dumb.drawn.replace(/\r\n/g, "\n")).not.toMatch(CONTROL);
  });
});
