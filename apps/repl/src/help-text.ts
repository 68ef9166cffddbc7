import type { Colors } from "@regatta/present";
import { METHODS, methodSignature } from "./method-catalog.js";

/** What `help()` and `.help` print: every call of `reg` by group (method-catalog.ts), then the rest, then the commands. */
export function helpText(c: Colors, commands: [string, string][]): string {
  const row = (code: string, what: string) => `  ${c.cyan(code.padEnd(46))} ${c.dim(what)}`;
  const groups = [...new Set(METHODS.map((m) => m.group))];
  return [
    c.bold("reg is a connected RegistryClient; every call returns a promise, printed once it settles."),
    c.dim('help(reg.copy) or reg.copy.help shows a call\'s options and an example; help("copy") too.'),
    ...groups.flatMap((group) => [
      c.bold(group),
      ...METHODS.filter((m) => m.group === group).map((m) => row(`reg.${methodSignature(m)}`, m.summary)),
    ]),
    c.bold("also in scope"),
    row('const hub = await connect("docker.io")', "another registry (same TLS and proxy settings)"),
    row('parseReference("alpine").toString()', "docker.io/library/alpine:latest"),
    row("humanSize(1536)", "1.5 kB; also the media types (manifests) and the error classes"),
    "",
    `${c.bold("await")} is optional at the top level. TAB completes methods, and repository and tag names inside quotes.`,
    `${c.bold("Ctrl-C")} aborts the request in flight; Ctrl-D or .exit leaves. ${c.bold("_")} is the last result.`,
    "",
    c.bold("Commands"),
    ...commands.map(([name, text]) => `  ${c.cyan(`.${name}`.padEnd(16))} ${text}`),
  ].join("\n");
}
