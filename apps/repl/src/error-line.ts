import { types } from "node:util";
import {
  type AccessFacts,
  describeAccess,
  otherReasonHint,
  RegattaError,
  unchallengedHint,
  withheldHint,
} from "@regatta/client";
import { type Colors, causeLines, escapeControls, oneLine, registryErrorLines } from "@regatta/present";

/**
 * The REPL's hint for a refused request, from the facts on the error (issue 10, item 16): what was sent decides
 * between "log in" and "these credentials may not", and the way to change it here is `.login` — for reg's registry
 * (`current`); another registry needs `.connect` first, or a client of its own.
 */
export function replAccessHint(access: AccessFacts, status: number, current?: string): string {
  // A quota, a size, an immutable tag…: no .login is the fix, whatever was sent.
  if (access.otherReason) return otherReasonHint(access);
  // The origin rules withheld the credentials (the request came back from another host): no .login would go either.
  if (access.withheldAfter) return withheldHint(access);
  // The registry never challenged: a .login would not be sent to it either.
  if (access.unchallenged && access.credentials === "none") return unchallengedHint(access);
  const what = describeAccess(access);
  // `.login` logs in to reg's registry: for another one (a copy's target, a full reference elsewhere), say what works.
  const elsewhere = current !== undefined && current !== access.registry;
  const login = (words: string) =>
    elsewhere
      ? `.connect ${access.registry} then .login ${words === "again" ? "USER" : words}, or connect("${access.registry}", { username, password })`
      : `.login ${words}`;
  if (access.credentials === "none") {
    return access.operation === "catalog"
      ? `no credentials were sent, and the catalog of ${access.registry} needs an account allowed to list it: ${login("USER")}`
      : `no credentials were sent to ${access.registry}: ${login("USER")} to ${what}`;
  }
  const who = access.username ? ` of ${access.username}` : "";
  if (status === 401 && !access.insufficientScope) {
    return `${access.registry} refused the credentials${who}: ${login("again")}`;
  }
  if (access.operation === "catalog") {
    return `the credentials${who} may not ${what} (often for administrators only): ${login("as another user")}`;
  }
  const missing =
    access.insufficientScope && access.operation === "pull" ? "; or the repository does not exist" : "";
  return `the credentials${who} may not ${what}${missing}: ${login("as another user")}`;
}

/**
 * An error as one line: the typed error's message and its code (the OCI code for registry answers). With
 * `verbose`, the status, the request and the registry's `errors[]` follow on their own lines. A refused request
 * gets the REPL's own hint (`.login`); control characters are escaped (issue 10, item 4).
 */
export function errorLine(error: unknown, verbose: boolean, c: Colors, current?: string): string {
  return escapeControls(errorLines(error, verbose, c, current));
}

function errorLines(error: unknown, verbose: boolean, c: Colors, current: string | undefined): string {
  // Errors thrown by the evaluated code come from the REPL's context, another realm: instanceof Error fails there.
  if (!(error instanceof Error || types.isNativeError(error)))
    return `${c.red("✖")} thrown: ${oneLine(String(error))}`;
  const isRegatta = error instanceof RegattaError;
  const access = isRegatta ? error.access : undefined;
  const message =
    isRegatta && access
      ? `${error.summary} (${replAccessHint(access, error.status ?? 401, current)})`
      : error.message;
  // Registry errors usually say their code already (`404 NAME_UNKNOWN: …`); Regatta's own do not.
  const label = isRegatta && !error.message.includes(error.code) ? `(${error.code})` : "";
  const name = isRegatta || error.name === "Error" ? "" : `${error.name}: `;
  const lines = [`${c.red("✖")} ${name}${oneLine(message)}${label ? ` ${c.dim(label)}` : ""}`];
  if (verbose) {
    if (isRegatta) lines.push(...registryErrorLines(error, false).map((l) => c.dim(l)));
    else if (error.stack) lines.push(c.dim(error.stack.split("\n").slice(1, 6).join("\n")));
    lines.push(...causeLines(error).map((l) => c.dim(l)));
  }
  return lines.join("\n");
}
