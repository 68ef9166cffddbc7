import type { AuthReport } from "@regatta/client";
import type { Colors } from "./color-json.js";

type Step = AuthReport["steps"][number];

/**
 * An auth explanation (`reg.explainAuth`, `regatta auth explain`) for people: numbered steps, each with its lines
 * indented, and the verdict last — the one layout of the CLI and the REPL. `says` lets a caller word a step its own
 * way (the CLI names its flags: `-u X, the password from --password-stdin`, `regatta login HOST`).
 */
export function authReportLines(
  report: AuthReport,
  options: { colors?: Colors; says?: (step: Step) => string[] } = {},
): string[] {
  const c = options.colors;
  const bold = (s: string) => (c ? c.bold(s) : s);
  const lines = [bold(`auth explain ${report.reference} (${report.actions.join(",")})`)];
  report.steps.forEach((step, i) => {
    const title = step.title === "probe" ? `probe: ${step.action}` : step.title;
    lines.push(`${i + 1}. ${bold(title)}`);
    for (const line of options.says?.(step) ?? step.says) lines.push(`   ${line}`);
  });
  const verdict = `verdict: ${report.summary}`;
  lines.push(c ? (report.verdict === "ok" ? c.green(verdict) : c.red(verdict)) : verdict);
  return lines;
}
