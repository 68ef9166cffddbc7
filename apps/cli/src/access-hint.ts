// The type from the client, which the published package depends on (for the types of its exports); the function from
// errors, so start-up does not import the client (see build.mjs).
import type { AccessFacts } from "@regatta/client";
import { describeAccess, otherReasonHint, unchallengedHint, withheldHint } from "@regatta/errors";

/**
 * Which flags give credentials for one side of a command (issue 10, item 16): `-u/-p` for the registry of most
 * commands; a copy's source takes `--src-username/--src-password` and its target `--dest-*` or `-u/-p`.
 */
export interface CredentialSide {
  registry: string;
  /** Set when two sides share a registry (a copy within one registry). */
  repository?: string;
  /** How to give credentials on the command line, e.g. `-u/-p`, `--src-username/--src-password`. */
  flags: string;
  /** Whether those flags were given on this run. */
  given: boolean;
  /** How the credentials were given when not by the flags alone: `with -u and REGATTA_PASSWORD`, `in sync.yaml`. */
  givenAs?: string;
}

/** The side an error's facts are about: same registry and repository, else same registry. */
function sideFor(access: AccessFacts, sides: readonly CredentialSide[]): CredentialSide | undefined {
  const same = sides.filter((s) => s.registry === access.registry);
  return same.find((s) => s.repository !== undefined && s.repository === access.repository) ?? same[0];
}

/**
 * The CLI's hint for a refused request, from the facts on the error and the flags of this run: an anonymous
 * request is told which flag to pass (or `regatta login`), credentials from flags are named as such, and credentials
 * the docker config supplied are named too, with the flag that would override them.
 */
export function cliAccessHint(
  access: AccessFacts,
  status: number,
  sides: readonly CredentialSide[],
  /** `whereFrom: false` leaves out the pointer to `regatta auth explain` (auth explain's own fix line). */
  options: { whereFrom?: boolean } = {},
): string {
  // A quota, a size, an immutable tag…: no flag or login is the fix, whatever was sent.
  if (access.otherReason) return otherReasonHint(access);
  const side = sideFor(access, sides);
  const registry = access.registry;
  const login = `"regatta login ${registry}"`;
  const pass = side ? `pass ${side.flags} or run ${login}` : `run ${login}`;
  const what = describeAccess(access);
  const given = side?.given ? `those given ${side.givenAs ?? `with ${side.flags}`}` : undefined;
  // The origin rules withheld them (a chain that left the registry came back): no flag or login would be sent either.
  if (access.withheldAfter) return withheldHint(access, given);
  // The registry never challenged (its /v2/ answered 200): no flag or login is sent to a registry that does not ask.
  if (access.unchallenged && access.credentials === "none") return unchallengedHint(access, given);
  if (access.credentials === "none") {
    return access.operation === "catalog"
      ? `no credentials were sent to ${registry}, whose catalog needs an account allowed to list it: ${pass}`
      : `no credentials were sent to ${registry}: to ${what}, ${pass}`;
  }
  const user = access.username ? ` of ${access.username}` : "";
  const source =
    side?.given === true
      ? `the credentials${user} given ${side.givenAs ?? `with ${side.flags}`}`
      : // Stored ones: docker's config, a containers auth.json, a credential helper or Regatta's own config file.
        `the stored credentials${user} for ${registry}${options.whereFrom === false ? "" : " (regatta auth explain says where from)"}`;
  const other = side && !side.given ? `; ${side.flags} gives others` : "";
  if (status === 401 && !access.insufficientScope) {
    return `${registry} refused ${source}: check them${other}`;
  }
  if (access.operation === "catalog") {
    return `${source} may not ${what}: registries often allow the catalog to administrators only${other}`;
  }
  const missing =
    access.insufficientScope && access.operation === "pull" ? "; or the repository does not exist" : "";
  return `${source} may not ${what}${missing}${other}`;
}
