import type { REPLServer } from "node:repl";
import type { ReplSession } from "./session.js";

/** readline's overridable output hook: every echo of typed characters goes through it. */
type EchoHook = { _writeToOutput(text: string): void };
/** readline's key handler on a terminal, and the line typed so far. */
type KeyHook = { _ttyWrite(s: string, key?: { ctrl?: boolean; name?: string }): void; line: string };

/**
 * Asks a question on the REPL's own line editor and hands the answer to `onAnswer` (undefined when `cancel` fires:
 * Ctrl-C). Ctrl-D on an empty answer calls `onEnd` (which cancels, as Ctrl-C) instead of ending the whole REPL, as it
 * does at the prompt. With `secret`, nothing typed is echoed (readline's echo goes through `_writeToOutput`, the hook `read`
 * and `mute-stream` rely on too). The answer never enters the history (see guardHistory).
 *
 * The question is in place when this returns, and `onAnswer` runs inside readline's own callback, before readline
 * reads on: lines that arrived in the same chunk (a paste, a pipe) answer this question, and one asked from
 * `onAnswer`, instead of reaching eval. A Promise would hand the answer over only after readline had passed the
 * rest of the chunk to eval.
 */
export function ask(
  server: REPLServer,
  session: ReplSession,
  query: string,
  options: { secret?: boolean; cancel?: AbortSignal; onEnd?: () => void },
  onAnswer: (answer: string | undefined) => void,
): void {
  const rl = server as unknown as EchoHook;
  const echo = Object.hasOwn(rl, "_writeToOutput") ? rl._writeToOutput : undefined;
  const keys = server as unknown as KeyHook;
  const keyHandler = Object.hasOwn(keys, "_ttyWrite") ? keys._ttyWrite : undefined;
  const restore = () => {
    if (echo) rl._writeToOutput = echo;
    else delete (rl as Partial<EchoHook>)._writeToOutput;
    if (keyHandler) keys._ttyWrite = keyHandler;
    else delete (keys as Partial<KeyHook>)._ttyWrite;
  };
  // Without a terminal nothing is echoed in the first place.
  const muted = Boolean(options.secret && server.terminal);
  session.answering = true;
  let answered = false;
  const done = (answer: string | undefined) => {
    if (answered) return;
    answered = true;
    restore();
    session.answering = false;
    onAnswer(answer);
  };
  options.cancel?.addEventListener("abort", () => done(undefined), { once: true });
  server.question(query, options.cancel ? { signal: options.cancel } : {}, (answer) => {
    // The Enter that ended the answer was swallowed with the rest.
    if (muted) server.output.write("\r\n");
    done(answer);
  });
  if (muted) {
    // The question is already on screen; from here on, what readline would echo is swallowed.
    rl._writeToOutput = () => {};
  }
  const onEnd = options.onEnd;
  if (onEnd && server.terminal) {
    const handle = keyHandler ?? keys._ttyWrite;
    keys._ttyWrite = function (this: KeyHook, s, key) {
      if (key?.ctrl && key.name === "d" && keys.line === "") {
        // The prompt that follows starts on a line of its own, as after Ctrl-C.
        server.output.write("\r\n");
        onEnd();
        return;
      }
      handle.call(this, s, key);
    };
  }
}
