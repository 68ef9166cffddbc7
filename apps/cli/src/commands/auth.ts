import type { AuthReport, ProbeStep } from "@regatta/client";
import {
  AuthenticationError,
  AuthorizationError,
  NotFoundError,
  RegattaError,
  RegistryUnreachableError,
} from "@regatta/errors";
import { authReportLines } from "@regatta/present";
import type { Command } from "commander";
import { cliAccessHint } from "../access-hint.js";
import type { CliContext } from "../cli-context.js";
import type { GlobalFlags } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { writeJson, writeStdout } from "../output.js";

/**
 * `regatta auth explain REF [--push]` (issue 14, item 1): how Regatta authenticates for a reference, step by step —
 * the challenge, where the credentials came from, the token request and its answer, what the token grants, and a probe
 * of pull (and push) with what its answer means and the fix. The library's `reg.explainAuth` does the work; this
 * prints its `says` lines, with the credential source and the fix worded in this command line's flags.
 */
export function registerAuth(program: Command, cli: CliContext): void {
  const auth = program
    .command("auth")
    .description("explain how Regatta authenticates to a registry")
    .addHelpText(
      "after",
      `
Examples:
  regatta auth explain alpine
  regatta auth explain localhost:5000/team/app:1.0 --push --json`,
    );
  auth
    .command("explain")
    .description(
      "show step by step how access to an image is authenticated: challenge, credentials, token, grants, and a probe",
    )
    .argument("<reference>", "image reference, e.g. alpine or localhost:5000/team/app:1.0")
    .option("--push", "also explain pushing: ask for pull,push and open (then cancel) a blob upload")
    .addHelpText(
      "after",
      `
The steps: 1. GET /v2/ and its WWW-Authenticate challenge (scheme, realm, service) with the scope asked;
2. where the credentials came from (-u, a docker config or containers auth.json key, a credential helper, or
none); 3. the token request and its answer (status, expires_in, issued_at); 4. what the token grants (its JWT
claims: access, sub, aud, iss, exp — never the token or its signature); 5. a HEAD of the manifest, and with --push
the start of a blob upload, cancelled at once so nothing is left — with what a 401, insufficient_scope, 403 or 404
means and the fix. No password or token is ever printed. A step that cannot be carried out (the registry or token
service unreachable or answering 5xx, a challenge that does not parse) says "failed:" with the error, its code and
status, and the steps after it go on: the report is always printed in full. The exit status is the verdict's (the
last line, "verdict" in --json), as the command itself would exit: 0 allowed, 4 refused (401, insufficient_scope,
403), 3 not found (404; with --push the push probe decides: a new tag's pull is a 404); 5 when the registry or its token service could not be reached; 1 when a step failed
otherwise (named on stderr, "failed" in --json) or the probe failed otherwise.

Examples:
  regatta auth explain alpine
  regatta auth explain localhost:5000/team/app:1.0 --push
  regatta auth explain alpine --json`,
    )
    .action(async (reference: string, opts: { push?: boolean }, cmd: Command) => {
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const report = await reg.explainAuth(ref, {
          ...(opts.push ? { push: true } : {}),
          ...interruptSignal(),
        });
        if (flags.json) await writeJson(report);
        else await writeStdout(`${renderReport(report, flags, cli).join("\n")}\n`);
        // The report is out in full; the exit status says that it could not find everything out.
        if (report.failed.length) {
          // A registry or token service that could not be reached is exit 5, as the command explained would end.
          const unreachable = report.steps.some((step) => "failure" in step && step.failure?.unreachable);
          throw new (unreachable ? RegistryUnreachableError : RegattaError)(
            `auth explain could not carry out ${report.failed.length === 1 ? "step" : "steps"} ${report.failed.join(", ")}`,
            { hint: "the report above says why" },
          );
        }
        const refused = verdictError(report);
        if (refused) throw refused;
      });
    });
}

/**
 * The verdict as an exit status, so a script can test `regatta auth explain REF` as it would the command itself: a
 * refusal is the auth status (4), a 404 the not-found one (3), a probe that failed otherwise 1; the error's line (on
 * stderr) is the verdict again. Allowed: nothing.
 */
function verdictError(report: AuthReport): RegattaError | undefined {
  const hint = "the report above says why";
  switch (report.verdict) {
    case "ok":
      return undefined;
    case "unauthorized":
    case "insufficient_scope":
      return new AuthenticationError(report.summary, { hint });
    case "forbidden":
      return new AuthorizationError(report.summary, { hint });
    case "not_found":
      return new NotFoundError(report.summary, { hint });
    default:
      return new RegattaError(report.summary, { hint });
  }
}

/** The report as @regatta/present lays it out, with the credentials and the fix worded for this command line. */
function renderReport(report: AuthReport, flags: GlobalFlags, cli: CliContext): string[] {
  return authReportLines(report, {
    says: (step) =>
      step.title === "credentials" && step.source?.kind === "explicit"
        ? [`from: the command line (${commandLineSource(flags)})`, ...step.says.slice(1)]
        : step.title === "probe"
          ? probeLines(step, cli)
          : step.says,
  });
}

/** How this command line gave credentials, never their value. */
function commandLineSource(flags: GlobalFlags): string {
  if (flags.username === undefined) return "credentials given to the client";
  const password = flags.passwordStdin
    ? "--password-stdin"
    : flags.password !== undefined
      ? "--password"
      : "REGATTA_PASSWORD";
  return `-u ${flags.username}, the password from ${password}`;
}

/** A probe's lines, with the fix worded for this command line (`-u/-p`, `regatta login HOST`). */
function probeLines(step: ProbeStep, cli: CliContext): string[] {
  if (!step.access || step.status === undefined) return step.says;
  // Without "auth explain says where from": this is auth explain, and its credentials step said where from.
  const fix = cliAccessHint(step.access, step.status, cli.sides, { whereFrom: false });
  return [...step.says.filter((line) => !line.startsWith("fix: ")), `fix: ${fix}`];
}
