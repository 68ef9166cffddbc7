/**
 * The facts about a refused request that a hint needs (issue 10, item 16): which registry and repository, what the
 * request was for, and whether credentials went with it. They travel on the error (`error.access`), so the edge that
 * knows its context (the CLI with its flags, the REPL with `.login`) words the advice; nothing matches on messages.
 */

/** What a request was for, from its token scopes and method. */
export type AccessOperation = "pull" | "push" | "delete" | "catalog" | "check";

/** What went with a refused request. */
export interface AccessFacts {
  /** The registry name, as in a reference (`docker.io`, `localhost:5000`). */
  registry: string;
  /** The repository, when the request was about one. */
  repository?: string;
  operation: AccessOperation;
  /** The `Authorization` scheme sent, or `none` for an anonymous request. */
  credentials: "none" | "basic" | "bearer";
  /** The user the credentials belong to, when known (never the secret). */
  username?: string;
  /** The registry answered 401 `insufficient_scope`: credentials (or the anonymous token) were not granted this. */
  insufficientScope?: boolean;
  /**
   * The registry's 403 names a reason that is not about who asked (a quota, a rate, storage, retention, a size, an
   * immutable tag…; {@link namesOtherReason}): the hint must not offer credentials or a login as the fix.
   */
  otherReason?: boolean;
  /**
   * Nothing was sent because the registry never asked for credentials (no 401 challenge: its `/v2/` answered 200):
   * credentials held or given were not sent either, so passing them is no fix ({@link unchallengedHint}).
   */
  unchallenged?: boolean;
  /**
   * Nothing was sent because the request came back to the registry from another host the registry (or a Location)
   * had sent it to: a redirect chain or an upload session that left the registry's origin carries no credentials for
   * the rest of its way (docs/security.md, "Origins"). The host (or origin) it left through; see {@link withheldHint}.
   */
  withheldAfter?: string;
}

/**
 * The hint of a refusal of a request whose credentials the origin rules withheld ({@link AccessFacts.withheldAfter}):
 * neither refused nor missing, and passing them is no fix; `given` names the credentials the run had (`those given
 * with -u/-p`), which were not sent.
 */
export function withheldHint(access: AccessFacts, given?: string): string {
  const held = given ? `, so ${given} were not sent` : "";
  return `credentials are not sent on a request that came back from another host (${access.withheldAfter}, where ${access.registry} sent it)${held}: ${KEEP_ON_ITS_HOST}`;
}

/** The fix of a refusal by or after another host a registry sent a request to: the registry's to make. */
const KEEP_ON_ITS_HOST =
  "a registry that needs credentials must keep its redirects and upload Locations on its own host";

/**
 * The hint of a 401/403 answered by another host (`there`) the registry (`sender`) sent the request to, a redirect
 * or an upload Location: none of the registry's credentials go there, so passing them is no fix; the same advice as
 * {@link withheldHint}, whose refusal comes from the registry after such a detour.
 */
export function elsewhereHint(there: string, sender: string): string {
  return `${there} answered, where ${sender} sent the request; it gets none of the registry's credentials: ${KEEP_ON_ITS_HOST}`;
}

/**
 * The hint of a refusal that came without the registry ever asking for credentials ({@link AccessFacts.unchallenged});
 * `given` names the credentials the run had (`those given with -u/-p`), which were not sent.
 */
export function unchallengedHint(access: AccessFacts, given?: string): string {
  const held = given ? `, so ${given} were not sent` : ", so none were sent";
  return `${access.registry} refused to ${describeAccess(access)} without ever asking for credentials (no 401 challenge)${held}`;
}

/**
 * Words of a registry's refusal that give a reason other than credentials or permissions: `DENIED: quota exceeded`,
 * `storage limit reached`, `manifest too large`, `tag is immutable`. A generic refusal (`requested access to the
 * resource is denied`, `access denied`, none at all) names none, and keeps the hint about credentials.
 */
const OTHER_REASON =
  /\b(?:quotas?|rate[ -]?limit(?:ed|s)?|too many|storage|retention|sizes?|too (?:large|big)|exceed(?:s|ed)?|disk|space|immutable|read[ -]?only|maintenance)\b/i;

/**
 * Words of a refusal that speak of who asked: `your credentials are not allowed to exceed the quota; log in with an
 * account that has access` names a quota, yet points at credentials, so its hint stays the credentials one (the
 * message's own words are shown beside it anyway).
 */
const SPEAKS_OF_CREDENTIALS =
  /\b(?:credentials?|log(?:ged)?[ -]?(?:in|on)|sign(?:ed)?[ -]?in|accounts?|tokens?|scopes?|permissions?|(?:un)?authori[sz](?:ed|ation)|authenticat(?:e|ed|ion|ing)|access denied)\b/i;

/**
 * Whether a registry's error messages give a reason other than credentials ({@link OTHER_REASON}) and none of them
 * also speaks of credentials, a login or permissions ({@link SPEAKS_OF_CREDENTIALS}).
 */
export function namesOtherReason(messages: readonly (string | undefined)[]): boolean {
  const texts = messages.filter((message): message is string => message !== undefined);
  return (
    texts.some((text) => OTHER_REASON.test(text)) && !texts.some((text) => SPEAKS_OF_CREDENTIALS.test(text))
  );
}

/**
 * The hint of a refusal whose message gives a reason other than credentials ({@link AccessFacts.otherReason}), the
 * same in the library, the CLI and the REPL: no flag, login or account would change it.
 */
export function otherReasonHint(access?: AccessFacts): string {
  const what = access ? ` to ${describeAccess(access)}` : "";
  const who = access?.registry ?? "the registry";
  return `${who} gave its own reason for refusing${what} (its message): it is not about credentials`;
}

/** A token scope as the transport knows it (`repository:team/api:pull,push`, `registry:catalog:*`). */
export interface ScopeLike {
  type: string;
  name: string;
  actions: readonly string[];
}

/**
 * What a request was for. The scope says it (distribution asks `delete` for a DELETE and `push` for writes,
 * https://distribution.github.io/distribution/spec/auth/scope/); the method decides when no scope was given.
 */
export function accessOperation(method: string, scopes: readonly ScopeLike[]): AccessOperation {
  const actions = new Set(scopes.flatMap((s) => s.actions));
  if (scopes.some((s) => s.type === "registry" && s.name === "catalog")) return "catalog";
  if (actions.has("delete")) return "delete";
  if (actions.has("push")) return "push";
  if (actions.has("pull") || actions.has("*")) return "pull";
  // No scope (a token request's own POST, a credential check): the method says it.
  const upper = method.toUpperCase();
  if (upper === "DELETE") return "delete";
  return upper === "PUT" || upper === "PATCH" ? "push" : "check";
}

/** `pull from team/api`, `push to team/api`, `list the catalog of localhost:5000`: the operation as words. */
export function describeAccess(access: AccessFacts): string {
  const repo = access.repository ?? access.registry;
  switch (access.operation) {
    case "pull":
      return `pull from ${repo}`;
    case "push":
      return `push to ${repo}`;
    case "delete":
      return `delete in ${repo}`;
    case "catalog":
      return `list the catalog of ${access.registry}`;
    default:
      return `use ${access.registry}`;
  }
}

/**
 * The library's own hint for a refused request, chosen from the facts: an anonymous request is told to log in, a
 * request with credentials that they lack the permission. Apps replace it with one naming their own flags or
 * commands (the CLI's `-u`, `--src-username`; the REPL's `.login`).
 */
export function accessHint(access: AccessFacts, status: number): string {
  if (access.otherReason) return otherReasonHint(access);
  if (access.withheldAfter) return withheldHint(access);
  if (access.unchallenged && access.credentials === "none") return unchallengedHint(access);
  const what = describeAccess(access);
  const who = access.username ? ` of ${access.username}` : "";
  if (access.credentials === "none") {
    return access.operation === "catalog"
      ? `no credentials were sent; ${access.registry} may allow the catalog only to some accounts: log in to ${access.registry}`
      : `no credentials were sent; log in to ${access.registry} to ${what}`;
  }
  if (status === 401 && !access.insufficientScope) {
    return `${access.registry} refused the credentials${who}: check the username and password (or token)`;
  }
  if (access.operation === "catalog") {
    return `the credentials${who} may not ${what}; registries often allow the catalog to administrators only`;
  }
  return access.insufficientScope && access.operation === "pull"
    ? `the registry did not grant access: the repository may not exist, or the credentials${who} may not ${what}`
    : `the credentials${who} are valid but may not ${what}`;
}
