import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { afterEach } from "vitest";
import { type RunningRepl, type StartReplOptions, startRepl } from "../src/index.js";

/** The REPL's prompt (`127.0.0.1:5000> `, the prompt may change with `.connect`) as the last line on screen. */
const PROMPT = /(?<=^|\n)[\w.:[\]-]+> $/;

/** A REPL on in-memory streams, typed into one line at a time as a person would (see TOOLCHAIN.md). */
export interface DrivenRepl {
  running: RunningRepl;
  /** Everything written so far, without terminal escapes. */
  screen(): string;
  /** Everything written so far, terminal escapes included. */
  raw(): string;
  /** Types `line` and Enter, waits for the next prompt, and returns what was printed in between. */
  send(line: string, timeoutMs?: number): Promise<string>;
  /** Types raw keys (`\t` for TAB, `\x03` for Ctrl-C) without waiting. */
  type(keys: string): void;
  /**
   * Types `keys` and TAB, and waits until `expected` shows in what is drawn from then on (the completion, or its
   * list). One TAB at a time: readline takes a TAB that arrives in the same chunk as another for pasted text.
   */
  tab(keys: string, expected: string): Promise<string>;
  /** Waits until the screen written after `from` satisfies `test`, and returns that part. */
  waitFor(test: (text: string) => boolean, from?: number, timeoutMs?: number): Promise<string>;
  /** Ends the REPL and waits for its clients to close. */
  close(): Promise<void>;
}

/**
 * `tty`: the output says it is a terminal (`isTTY`, 100 columns), so transfers draw their progress bars on it as on a
 * real one. `starting` gets a way to type while the REPL is still starting (its registry pinged).
 */
export async function driveRepl(
  options: StartReplOptions & { tty?: boolean; starting?: (type: (keys: string) => void) => void },
): Promise<DrivenRepl> {
  const { tty, starting, ...start } = options;
  const input = new PassThrough();
  starting?.((keys) => input.write(keys));
  const output = new PassThrough();
  if (tty) Object.assign(output, { isTTY: true, columns: 100, rows: 40 });
  let raw = "";
  output.on("data", (chunk: Buffer) => {
    raw += chunk.toString("utf8");
  });
  const running = await startRepl({ input, output, terminal: true, useColors: false, ...start });
  const screen = () => stripVTControlCharacters(raw).replace(/\r/g, "");

  const waitFor = async (test: (text: string) => boolean, from = 0, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = screen().slice(from);
      if (test(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting; the screen since then reads:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    running,
    screen,
    raw: () => raw,
    type: (keys) => input.write(keys),
    tab(keys, expected) {
      const from = screen().length;
      input.write(`${keys}\t`);
      return waitFor((t) => t.includes(expected), from);
    },
    waitFor,
    async send(line, timeoutMs) {
      const from = screen().length;
      input.write(`${line}\r`);
      const text = await waitFor((t) => t.includes("\n") && PROMPT.test(t), from, timeoutMs);
      // Drop the echo of the line and the closing prompt: what remains is the answer.
      return text
        .slice(text.indexOf("\n") + 1)
        .replace(PROMPT, "")
        .trimEnd();
    },
    close: () => running.close(),
  };
}

/** For a describe block: starts REPLs with {@link driveRepl} and closes the ones a test left open after it. */
export function drivenRepls(): (options: Parameters<typeof driveRepl>[0]) => Promise<DrivenRepl> {
  const open: DrivenRepl[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((repl) => repl.close()));
  });
  return async (options) => {
    const repl = await driveRepl(options);
    open.push(repl);
    return repl;
  };
}
