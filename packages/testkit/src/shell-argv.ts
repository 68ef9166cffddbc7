/**
 * The arguments bash reads from a command line Regatta printed (a hint's `regatta pull REF 'oci:/my dir/lay:v1'`):
 * a test of a suggested command checks its words come back as the argv meant (a path with a space one argument).
 */
import { execFileSync } from "node:child_process";

/** The words bash makes of `line` (expanded and unquoted as a shell would run it), each one argument. */
export function shellArgv(line: string): string[] {
  const out = execFileSync("bash", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}
