import { types } from "node:util";
import {
  type AccessFacts,
  describeAccess,
  escapeControls,
  escapeField,
  RegattaError,
  textTable,
} from "@regatta/client";
import type pc from "picocolors";

/** picocolors' palette, on or off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** JSON indented by two spaces, with keys, strings, numbers and literals coloured (`jq`'s palette). */
export function colorJson(value: unknown, c: Colors): string {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  // One token at a time: a key (a string followed by a colon), a string, a number, or a literal.
  return text.replace(
    /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g,
    (match, str: string | undefined, colon: string | undefined, num: string | undefined) => {
      if (str !== undefined) return colon ? `${c.blue(c.bold(str))}${colon}` : c.green(str);
      if (num !== undefined) return c.cyan(num);
      return c.magenta(match);
    },
  );
}

/** An aligned table with a bold header; the last column is not padded. */
export function table(headers: string[], rows: string[][], c: Colors): string {
  return textTable(headers, rows, c.bold);
}

/** Words laid out in columns to fit `width`, like `ls`: the compact form of a tag or repository list. */
export function columns(words: string[], width: number, indent = "  "): string {
  if (words.length === 0) return "";
  // Each word is one cell whatever a registry put in it (a newline would forge a row).
  words = words.map(escapeField);
  const cell = Math.max(...words.map((w) => w.length)) + 2;
  const perLine = Math.max(1, Math.floor((width - indent.length) / cell));
  const rows = Math.ceil(words.length / perLine);
  const lines: string[] = [];
  // Column-major order, so the list reads down then across as `ls` does.
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let k = r; k < words.length; k += rows) cells.push((words[k] as string).padEnd(cell));
    lines.push(`${indent}${cells.join("").trimEnd()}`);
  }
  return lines.join("\n");
}

/**
 * The REPL's hint for a refused request, from the facts on the error (issue 10, item 16): what was sent decides
 * between "log in" and "these credentials may not", and the way to change it here is `.login`.
 */
export function replAccessHint(access: AccessFacts, status: number): string {
  const what = describeAccess(access);
  if (access.credentials === "none") {
    return access.operation === "catalog"
      ? `no credentials were sent, and the catalog of ${access.registry} needs an account allowed to list it: .login USER`
      : `no credentials were sent to ${access.registry}: .login USER to ${what}`;
  }
  const who = access.username ? ` of ${access.username}` : "";
  if (status === 401 && !access.insufficientScope) {
    return `${access.registry} refused the credentials${who}: .login again`;
  }
  if (access.operation === "catalog") {
    return `the credentials${who} may not ${what} (often for administrators only): .login as another user`;
  }
  const missing =
    access.insufficientScope && access.operation === "pull" ? "; or the repository does not exist" : "";
  return `the credentials${who} may not ${what}${missing}: .login as another user`;
}

/** A registry's words on one line: a newline in a message must not forge a line of the REPL's own. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, "\\n");
}

/**
 * An error as one line: the typed error's message and its code (the OCI code for registry answers). With
 * `verbose`, the status, the request and the registry's `errors[]` follow on their own lines. A refused request
 * gets the REPL's own hint (`.login`); control characters are escaped (issue 10, item 4).
 */
export function errorLine(error: unknown, verbose: boolean, c: Colors): string {
  return escapeControls(errorLines(error, verbose, c));
}

function errorLines(error: unknown, verbose: boolean, c: Colors): string {
  // Errors thrown by the evaluated code come from the REPL's context, another realm: instanceof Error fails there.
  if (!(error instanceof Error || types.isNativeError(error)))
    return `${c.red("✖")} thrown: ${oneLine(String(error))}`;
  const isRegatta = error instanceof RegattaError;
  const access = isRegatta ? error.access : undefined;
  const message =
    isRegatta && access ? `${error.summary} (${replAccessHint(access, error.status ?? 401)})` : error.message;
  // Registry errors usually say their code already (`404 NAME_UNKNOWN: …`); Regatta's own do not.
  const label = isRegatta && !error.message.includes(error.code) ? `(${error.code})` : "";
  const name = isRegatta || error.name === "Error" ? "" : `${error.name}: `;
  const lines = [`${c.red("✖")} ${name}${oneLine(message)}${label ? ` ${c.dim(label)}` : ""}`];
  if (verbose) {
    if (isRegatta) {
      if (error.request)
        lines.push(c.dim(`  request: ${error.request.method} ${oneLine(error.request.url)}`));
      for (const e of error.errors)
        lines.push(
          c.dim(`  registry error: ${oneLine(e.code)}${e.message ? `: ${oneLine(e.message)}` : ""}`),
        );
    } else if (error.stack) {
      lines.push(c.dim(error.stack.split("\n").slice(1, 6).join("\n")));
    }
    let cause = (error as { cause?: unknown }).cause;
    for (let depth = 0; cause instanceof Error && depth < 8; depth++) {
      lines.push(c.dim(`  caused by: ${oneLine(cause.message)}`));
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return lines.join("\n");
}
