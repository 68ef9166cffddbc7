import type { Colors } from "./color-json.js";
import { escapeField } from "./terminal-text.js";

/**
 * An auth explanation as far as it is laid out: the client's AuthReport (packages/client/src/explain/auth-report.ts),
 * declared here structurally so this package depends on nothing above it (layering.test.ts).
 */
export interface AuthReportRows {
  reference: string;
  actions: readonly string[];
  summary: string;
  verdict: string;
  steps: readonly { title: string; action?: string; says: readonly string[] }[];
}

/**
 * An auth explanation (`reg.explainAuth`, `regatta auth explain`) for people: numbered steps, each with its lines
 * indented, and the verdict last — the one layout of the CLI and the REPL. `says` lets a caller word a step its own
 * way (the CLI names its flags: `-u X, the password from --password-stdin`, `regatta login HOST`).
 */
export function authReportLines<R extends AuthReportRows>(
  report: R,
  options: { colors?: Colors; says?: (step: R["steps"][number]) => readonly string[] } = {},
): string[] {
  const c = options.colors;
  const bold = (s: string) => (c ? c.bold(s) : s);
  // A registry's words reach the steps (its challenge, its error messages): each stays on its line, escaped.
  const e = escapeField;
  const lines = [bold(`auth explain ${e(report.reference)} (${e(report.actions.join(","))})`)];
  report.steps.forEach((step, i) => {
    const title = step.title === "probe" ? `probe: ${step.action}` : step.title;
    lines.push(`${i + 1}. ${bold(e(title))}`);
    for (const line of options.says?.(step) ?? step.says) lines.push(`   ${e(line)}`);
  });
  const verdict = `verdict: ${e(report.summary)}`;
  lines.push(c ? (report.verdict === "ok" ? c.green(verdict) : c.red(verdict)) : verdict);
  return lines;
}
