import { afterEach, describe, expect, it, vi } from "vitest";
import { drivenRepls } from "./drive-repl.js";

/** An SGR sequence (colour, bold, dim), as picocolors writes them. */
const SGR = /\u001b\[[0-9;]*m/;

describe("colours on a terminal follow NO_COLOR, FORCE_COLOR and TERM=dumb, as the CLI's do", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const driveRepl = drivenRepls();

  /** A REPL on a TTY with the default colours: its prompt, a result and an error, raw. */
  const session = async () => {
    const repl = await driveRepl({ tty: true, useColors: undefined });
    await repl.send('({ a: "x", n: 1 })');
    await repl.send('throw new Error("boom")');
    return repl.raw();
  };

  it("colours a terminal by default", async () => {
    vi.stubEnv("NO_COLOR", undefined);
    vi.stubEnv("FORCE_COLOR", undefined);
    vi.stubEnv("TERM", "xterm-256color");
    expect(await session()).toMatch(SGR);
  });

  it.each([
    ["NO_COLOR=1", { NO_COLOR: "1", TERM: "xterm-256color" }],
    ["TERM=dumb", { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "dumb" }],
  ])("writes no SGR at all with %s", async (_, env) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const raw = await session();
    expect(raw).toContain("boom");
    expect(raw).not.toMatch(SGR);
  });
});
