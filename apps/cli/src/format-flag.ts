import { UsageError } from "@regatta/errors";
import { escapeStyles } from "@regatta/present";
import type { Shape, Template } from "@regatta/present/template";
import { Option } from "commander";
import type { GlobalFlags } from "./global-options.js";
import { writeStdout } from "./output.js";

/**
 * `--format TEMPLATE` of `inspect` and `config` (issue 12): a Go-style template over the command's JSON document, as
 * `docker inspect --format` and `skopeo inspect --format` take; the subset is in apps/cli/README.md ("Templates").
 * `--format json` is `--json`, as docker's.
 */
export function formatFlag(example: string): Option {
  return new Option(
    "-f, --format <template>",
    `print through a Go-style template, e.g. '${example}' (the subset: the README's "Templates")`,
  );
}

/** What a command does with its document: print it as JSON, through a template, or show it to people. */
export type Formatter = { kind: "json" } | { kind: "template"; template: Template } | { kind: "human" };

/**
 * The output a command was asked for. A template is compiled here, before any request, so a bad one is a usage
 * error (exit 2) naming where it went wrong, and nothing was sent. The template code is loaded only when a
 * template is given (@regatta/present/template, a chunk of its own), never at start-up.
 */
export async function formatterFor(template: string | undefined, flags: GlobalFlags): Promise<Formatter> {
  if (template === undefined) return flags.json ? { kind: "json" } : { kind: "human" };
  if (flags.json) throw new UsageError("--format and --json are exclusive (--format json is --json)");
  if (template.trim() === "json") return { kind: "json" };
  const { compileTemplate } = await import("@regatta/present/template");
  return { kind: "template", template: compileTemplate(template) };
}

/**
 * Prints a template's output with a newline after it, unless it already ends with one (docker and skopeo always add
 * one). `shape` is the document's declared fields (template-shapes.ts): a field neither it nor the document has is a
 * usage error naming the fields there are, as Go's "can't evaluate field" is. Every ESC in it is escaped: the values are the registry's, and a label's `ESC[31m` would otherwise pass the
 * output boundary as one of Regatta's own styles (a cut `ESC[3` was escaped, a whole one not).
 */
export function writeTemplated(template: Template, data: unknown, shape: Shape): Promise<void> {
  const out = escapeStyles(template.render(data, shape));
  return writeStdout(out.endsWith("\n") ? out : `${out}\n`);
}
