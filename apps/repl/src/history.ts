import { readFileSync, writeFileSync } from "node:fs";
import type { REPLServer } from "node:repl";
import type { ReplSession } from "./session.js";

/** Lines kept, in memory and in the file. */
export const HISTORY_SIZE = 1000;

/**
 * Persists the REPL's history in `file` (newest line first, as Node's `.node_repl_history`), mode 0600. Unlike
 * Node's own history, every line is checked before it is kept: answers to `.login`'s questions, lines holding a
 * known secret (the `--password` value, a `.login` password) and lines with a `password:` literal are dropped from
 * memory and never reach the file.
 */
export function persistHistory(server: REPLServer, session: ReplSession, file: string): void {
  // readline keeps the history newest first; the typings of REPLServer omit it.
  const history = (server as unknown as { history: string[] }).history;
  let saved: string[] = [];
  try {
    saved = readFileSync(file, "utf8").split("\n");
  } catch {
    // no history yet
  }
  history.push(...saved.filter((l) => l.trim() !== "" && !session.isSecret(l)).slice(0, HISTORY_SIZE));
  server.on("history", () => {
    // readline has just put the newest line first.
    if (history.length && (session.answering || session.isSecret(history[0] as string))) history.shift();
    else save(file, history);
  });
}

function save(file: string, history: string[]): void {
  try {
    writeFileSync(file, history.slice(0, HISTORY_SIZE).join("\n"), { mode: 0o600 });
  } catch {
    // A read-only home must not break the session; the history is simply not kept.
  }
}
