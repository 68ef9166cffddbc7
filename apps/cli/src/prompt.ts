import { AbortError } from "@regatta/errors";

/** Whether a question can be asked: both the keyboard (stdin) and the screen the question goes to (stderr) are a TTY. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Asks `question` on the terminal (on stderr: stdout is for data) and answers the line typed. With `secret`, what is
 * typed is not echoed, as `docker login` and `passwd` do: the terminal is put in raw mode and the characters are read
 * one by one, Backspace deleting the last one. Ctrl-C is an {@link AbortError} (exit 130), Ctrl-D ends the answer.
 * Only call it when {@link canPrompt} says so.
 */
export function prompt(question: string, options: { secret?: boolean } = {}): Promise<string> {
  const stdin = process.stdin;
  const echo = (text: string) => {
    if (!options.secret) process.stderr.write(text);
  };
  return new Promise<string>((resolve, reject) => {
    let answer = "";
    const done = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n" || char === "\u0004") return done();
        if (char === "\u0003") return done(new AbortError("interrupted at the prompt"));
        if (char === "\u007f" || char === "\b") {
          if (answer) {
            answer = answer.slice(0, -1);
            echo("\b \b");
          }
          continue;
        }
        // Other control characters (arrows arrive as escape sequences) are not part of a password or a name.
        if (char < " ") continue;
        answer += char;
        echo(char);
      }
    };
    // Raw mode (no echo) first, the question after: a reply typed the moment the question shows must not be echoed
    // by the terminal, which it was, under load, when the question came first (cli-login.int.test.ts saw it).
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    stdin.resume();
  });
}
