import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import type { REPLServer } from "node:repl";
import type { ReplSession } from "./session.js";

/** Lines kept, in memory and in the file. */
export const HISTORY_SIZE = 1000;

/**
 * Keeps secrets out of the REPL's history (what up-arrow recalls) and, with `file`, persists it there (newest line
 * first, as Node's `.node_repl_history`), mode 0600. Unlike Node's own history, every line is checked before it is
 * kept: answers to `.login`'s questions, lines holding a known secret (the `--password` value, a `.login` or
 * `connect()` password, refused ones too, in any form `session.isSecret` knows), lines with a `password:` literal
 * and lines with a URL holding a password (`https://user:pass@host`) are dropped from memory and never reach the
 * file. And when the session learns a secret later (`const pw = "…"` typed before `connect(url, { password: pw })`),
 * every earlier line that holds it is dropped too, and the file rewritten at once.
 */
export function guardHistory(server: REPLServer, session: ReplSession, file?: string): void {
  // readline keeps the history newest first; the typings of REPLServer omit it.
  const history = (server as unknown as { history: string[] }).history;
  const save = () => {
    if (file) write(file, history);
  };
  if (file) {
    // The README promises 0600: a file another program (or an older Regatta) left readable by others is tightened
    // before anything is read from it or added to it.
    tighten(file);
    let saved: string[] = [];
    try {
      saved = readFileSync(file, "utf8").split("\n");
    } catch {
      // no history yet
    }
    const lines = saved.filter((l) => l.trim() !== "");
    const kept = lines.filter((l) => !session.isSecret(l)).slice(0, HISTORY_SIZE);
    history.push(...kept);
    if (kept.length !== lines.length) save();
  }

  let known = session.secretCount();
  /** Drops every line that holds a secret (one learnt since it was typed). Returns whether any line went. */
  const forget = (): boolean => {
    known = session.secretCount();
    let dropped = false;
    for (let i = history.length - 1; i >= 0; i--) {
      if (session.isSecret(history[i] as string)) {
        // In place: readline holds this very array.
        history.splice(i, 1);
        dropped = true;
      }
    }
    return dropped;
  };
  session.onSecret(() => {
    if (forget()) save();
  });
  server.on("history", () => {
    // readline has just put the newest line first.
    if (history.length && (session.answering || session.isSecret(history[0] as string))) history.shift();
    // A client may have learnt a secret on its own since the last line (a token it was issued, a credential
    // helper's answer): the lines before may hold it.
    if (session.secretCount() !== known) forget();
    save();
  });
  server.on("exit", () => {
    if (session.secretCount() !== known && forget()) save();
  });
}

function tighten(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // not there yet (it is created 0600), or not ours: writing it will fail the same way
  }
}

function write(file: string, history: string[]): void {
  try {
    // `mode` applies only when the file is created; an existing one was tightened when the REPL opened it.
    writeFileSync(file, history.slice(0, HISTORY_SIZE).join("\n"), { mode: 0o600 });
  } catch {
    // A read-only home must not break the session; the history is simply not kept.
  }
}
