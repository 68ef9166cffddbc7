/**
 * `reg.explainAuth(reference, { push })` (issue 14, item 1): what happens when Regatta authenticates for a
 * reference, step by step and why — the challenge, where the credentials came from, the token request and its
 * answer, what the token grants, and a probe of what was asked with what its answer means. The auth pieces are the
 * client's own (its ping, credential lookup, token fetch and transport), so what is explained is what every other
 * call does. The spec: https://distribution.github.io/distribution/spec/auth/token/ and RFC 6750 §3.1.
 */
import {
  type AuthTrace,
  type Challenge,
  describeCredentialSource,
  formatScope,
  PUSH_ACTIONS,
  parseWwwAuthenticate,
  repositoryScope,
} from "@regatta/auth";
import { redactUrl, scrubValue, UsageError } from "@regatta/errors";
import type { Reference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import type { AuthReport, ChallengeStep, CredentialsStep, GrantsStep, TokenStep } from "./auth-report.js";
import { probeAccess, verdictLine } from "./probe-access.js";
import { failureLine, isAccessAnswer, oneLine, stepFailure } from "./step-failure.js";

/** Options of {@link explainAuth}. */
export interface ExplainAuthOptions {
  /** Also explain pushing: ask for `pull,push` and open (then cancel) a blob upload. */
  push?: boolean;
  signal?: AbortSignal;
}

/**
 * Explains the authentication for `ref` (see the module comment); the report is scrubbed of every secret. Every step
 * reports its own outcome: one that could not be carried out (the registry unreachable, a token service answering
 * 500, a challenge that does not parse) carries its `failure`, the steps after it go on with what is known, and
 * `failed` lists them. Only a usage error or the caller's abort is thrown.
 */
export async function explainAuth(
  ctx: ClientContext,
  ref: Reference,
  options: ExplainAuthOptions = {},
): Promise<AuthReport> {
  const explain = ctx.authenticator.explain?.bind(ctx.authenticator);
  if (!explain) throw new UsageError("this client's authenticator cannot explain itself");
  const actions = options.push ? [...PUSH_ACTIONS] : ["pull"];
  const scope = repositoryScope(ref.repository, actions);
  const signal = options.signal;
  const ping = await settle(ctx.transport.ping(ref.registry, signal), signal);
  const traced = await settle(
    explain({ registry: ref.registry, scopes: [scope], ...(signal ? { signal } : {}) }),
    signal,
  );
  const trace = "value" in traced ? traced.value : undefined;
  const challenge =
    "value" in ping
      ? challengeStep(
          ping.value,
          trace?.scheme ?? ctx.authenticator.describe(ref.registry).scheme,
          formatScope(scope),
        )
      : failedChallengeStep(ping.error, formatScope(scope));
  const probes = await probeAccess(ctx, ref, actions, signal);
  // Asked about a push, the image need not exist yet (the push makes it): the pull probe's 404 is no refusal then,
  // and the push probe decides, as a `regatta push` of a new tag would succeed.
  const pushing = actions.includes("push");
  const verdict =
    probes.find((p) => p.outcome !== "ok" && !(pushing && p.action === "pull" && p.outcome === "not_found"))
      ?.outcome ?? "ok";
  const steps: AuthReport["steps"] = [
    challenge,
    trace
      ? credentialsStep(trace, challenge)
      : failedCredentialsStep("error" in traced ? traced.error : undefined),
    tokenStep(trace, challenge),
    grantsStep(trace, ref.repository, actions),
    ...probes,
  ];
  const report: AuthReport = {
    reference: ref.toString(),
    registry: ref.registry,
    repository: ref.repository,
    actions,
    verdict,
    summary: verdictLine(verdict, ref, actions),
    failed: steps.flatMap((step, i) =>
      "failure" in step && step.failure
        ? [`${i + 1}. ${step.title === "probe" ? `probe: ${step.action}` : step.title}`]
        : [],
    ),
    steps,
  };
  // The same scrubbing as errors and logs: anything a server echoed that carries a secret we sent is cut out.
  return scrubValue(report, ctx.transport.secrets) as AuthReport;
}

/** A step's promise as its value or its error; the caller's abort (Ctrl-C) still ends the whole explanation. */
async function settle<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { error };
  }
}

/** Step 1 when `GET /v2/` failed (unreachable, 5xx, a challenge that does not parse): what it could not learn. */
function failedChallengeStep(error: unknown, scope: string): ChallengeStep {
  const failure = stepFailure(error);
  return {
    title: "challenge",
    scheme: "unknown",
    scope,
    failure,
    says: [
      `GET /v2/ ${failureLine(failure)}`,
      "the steps below go on without the registry's challenge",
      `scope asked for this reference: ${scope}`,
    ],
  };
}

/** Step 2 when the credential lookup failed (a credential helper that failed, a config that does not parse). */
function failedCredentialsStep(error: unknown): CredentialsStep {
  const failure = stepFailure(error);
  return {
    title: "credentials",
    source: undefined,
    kind: "none",
    failure,
    says: [`the lookup ${failureLine(failure)}`],
  };
}

function challengeStep(
  ping: { status: number; apiVersion?: string; challenge?: string },
  scheme: AuthTrace["scheme"],
  scope: string,
): ChallengeStep {
  const chosen = ping.challenge ? pickChallenge(parseWwwAuthenticate(ping.challenge), scheme) : undefined;
  const realm = chosen?.params.realm ? redactUrl(chosen.params.realm) : undefined;
  const service = chosen?.params.service;
  const says = [`GET /v2/ answered ${ping.status}${ping.apiVersion ? ` (${ping.apiVersion})` : ""}`];
  if (scheme === "none") says.push("no challenge: the registry lets anyone in, no credentials are needed");
  else if (scheme === "basic")
    says.push(
      `WWW-Authenticate: Basic${realm ? ` realm ${realm}` : ""}: every request carries the username and password`,
    );
  else if (scheme === "bearer")
    says.push(
      `WWW-Authenticate: Bearer realm ${realm}${service ? `, service ${service}` : ""}: a token must be asked of the realm`,
    );
  else says.push(`WWW-Authenticate: ${chosen?.scheme ?? "?"}: a scheme Regatta does not speak`);
  says.push(`scope asked for this reference: ${scope}`);
  return {
    title: "challenge",
    status: ping.status,
    ...(ping.apiVersion ? { apiVersion: ping.apiVersion } : {}),
    scheme,
    ...(realm ? { realm } : {}),
    ...(service ? { service } : {}),
    scope,
    says,
  };
}

/** The challenge the authenticator chose (it prefers Bearer with a realm, then Basic). */
function pickChallenge(challenges: Challenge[], scheme: AuthTrace["scheme"]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === scheme && (scheme !== "bearer" || c.params.realm)) ?? challenges[0]
  );
}

function credentialsStep(trace: AuthTrace, challenge: ChallengeStep): CredentialsStep {
  const { source, kind, username } = trace.credential;
  const who =
    kind === "none"
      ? "no credentials: requests go anonymously"
      : kind === "password"
        ? `a username and password${username ? ` (user ${username})` : ""}`
        : kind === "identity-token"
          ? "an identity (refresh) token, exchanged with OAuth2"
          : "a registry token, sent as is";
  const says = [`from: ${describeCredentialSource(source)}`, `what: ${who}`];
  // Without the challenge (its step failed) nothing is known of what the registry asks for.
  if (kind !== "none" && trace.scheme === "none" && !challenge.failure)
    says.push("the registry asks for none, so they are not sent");
  return { title: "credentials", source, kind, ...(username ? { username } : {}), says };
}

function tokenStep(trace: AuthTrace | undefined, challenge: ChallengeStep): TokenStep {
  if (!trace || challenge.failure) {
    const why = challenge.failure
      ? "the challenge step failed, so no realm is known to ask"
      : "the credential lookup failed";
    return { title: "token", from: "none", exchanges: trace?.exchanges ?? [], says: [`not asked: ${why}`] };
  }
  const exchanges = trace.exchanges;
  const says = exchanges.map((e) => {
    const how =
      e.sent === "basic" ? "with the username and password" : e.sent === "anonymous" ? "anonymously" : e.sent;
    const answer = [
      ...(e.expiresIn !== undefined ? [`expires_in ${e.expiresIn} s`] : []),
      ...(e.issuedAt ? [`issued_at ${e.issuedAt}`] : []),
      ...(e.refreshToken ? ["and a refresh token"] : []),
    ];
    return `${e.method} ${e.url} ${how} -> ${e.status}${answer.length ? `: a token, ${answer.join(", ")}` : ""}`;
  });
  const from = trace.token?.from ?? "none";
  if (trace.scheme === "none") says.push("no token: the registry asked for no authentication");
  else if (trace.scheme === "basic")
    says.push("no token: Basic sends the username and password with each request");
  else if (from === "registry-token")
    says.push("no token request: the configured registry token is sent as is");
  if (trace.error === undefined) return { title: "token", from, exchanges, says };
  const error = oneLine(trace.error);
  // A refusal (401, 403) is the token service's answer about these credentials, which the report explains.
  if (isAccessAnswer(trace.error, [401, 403])) {
    says.push(`no token: ${error}`);
    return { title: "token", from, exchanges, error, says };
  }
  const failure = stepFailure(trace.error);
  says.push(`no token: the request ${failureLine(failure)}`);
  return { title: "token", from, exchanges, error, failure, says };
}

function grantsStep(trace: AuthTrace | undefined, repository: string, actions: string[]): GrantsStep {
  if (!trace?.token) return { title: "grants", token: "none", says: ["no token, so nothing to decode"] };
  const claims = trace.token.claims;
  if (!claims) {
    return {
      title: "grants",
      token: "opaque",
      says: ["the token is opaque (not a JWT): what it grants cannot be read from it; the probe shows it"],
    };
  }
  const granted = new Set(
    claims.access.filter((a) => a.type === "repository" && a.name === repository).flatMap((a) => a.actions),
  );
  const missing = granted.has("*") ? [] : actions.filter((a) => !granted.has(a));
  const expires = claims.exp !== undefined ? new Date(claims.exp * 1000).toISOString() : undefined;
  const says = [
    claims.access.length
      ? `access: ${claims.access.map((a) => `${a.type}:${a.name}:${a.actions.join(",") || "(no actions)"}`).join(" ")}`
      : "access: none (the token grants nothing beyond the registry's base)",
    ...(claims.sub !== undefined ? [`subject: ${claims.sub || "(anonymous)"}`] : []),
    ...(claims.iss !== undefined ? [`issuer: ${claims.iss}`] : []),
    ...(claims.aud !== undefined ? [`audience: ${[claims.aud].flat().join(", ")}`] : []),
    ...(expires ? [`expires: ${expires}`] : []),
    missing.length
      ? `missing: ${missing.join(", ")} on ${repository} was asked for and not granted: the token server gave less than asked`
      : `everything asked (${actions.join(",")} on ${repository}) is granted`,
  ];
  return {
    title: "grants",
    token: "jwt",
    access: claims.access,
    ...(claims.iss !== undefined ? { iss: claims.iss } : {}),
    ...(claims.sub !== undefined ? { sub: claims.sub } : {}),
    ...(claims.aud !== undefined ? { aud: claims.aud } : {}),
    ...(claims.exp !== undefined ? { exp: claims.exp } : {}),
    ...(expires ? { expires } : {}),
    missing,
    says,
  };
}
