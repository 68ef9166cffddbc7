/**
 * The one output helper of the commands: stdout for data, stderr for people, both made safe for a terminal here, and
 * the presentation the CLI shares with the REPL (@regatta/present) re-exported, so a command imports nothing else to
 * print.
 */
import { type SecretSet, scrubText } from "@regatta/errors";
import { escapeControls } from "@regatta/present";

export {
  countNoun,
  diffReport,
  envLines,
  escapeControls,
  escapeField,
  humanSize,
  inventoryTable,
  labelLines,
  runtimeFacts,
  shortDigest,
  summaryTables,
  takesControls,
} from "@regatta/present";

/** What this run's client sent; set by `withClient`. One run, one client set: the process is the scope. */
let sent: SecretSet | undefined;

/** Makes every text output of this run scrubbed of what `secrets` holds (whole secrets: data is not guessed at). */
export function scrubOutputOf(secrets: SecretSet): void {
  sent = secrets;
}

/** Text as it may reach a terminal or a pipe: no secret this run sent, no control character. */
function safe(text: string): string {
  return escapeControls(sent ? scrubText(text, sent, { shapes: false, fragments: false }) : text);
}

/**
 * The file an `-o/--output` flag names, or undefined for stdout: `-` means stdout for every command (as crane's and
 * regctl's `-o -`), never a file named `-`.
 */
export function outputFile(output: string | undefined): string | undefined {
  return output === "-" ? undefined : output;
}

/**
 * Writes to stdout, resolving once the data is flushed (so an exit right after loses nothing). Text is the output
 * boundary for terminal safety: control characters a registry put into names, labels or messages are escaped here
 * (`escapeControls`), so no command prints them raw, and a secret this run sent that a registry echoed into a result
 * is replaced by REDACTED; JSON stays valid JSON. Bytes (a manifest's exact bytes, a blob)
 * are data and are written as they are.
 */
export function writeStdout(data: string | Uint8Array): Promise<void> {
  const out = typeof data === "string" ? safe(data) : data;
  return new Promise((resolve, reject) => {
    process.stdout.write(out, (err) => (err ? reject(err) : resolve()));
  });
}

/** A command's `--json` result: one JSON document and a newline on stdout (`space` indents, as `inspect` does). */
export function writeJson(value: unknown, space?: number): Promise<void> {
  return writeStdout(`${JSON.stringify(value, null, space)}\n`);
}

/** Writes text for people to stderr (messages, the `-v` log, errors), control characters escaped. */
export function writeStderr(text: string): void {
  process.stderr.write(safe(text));
}
