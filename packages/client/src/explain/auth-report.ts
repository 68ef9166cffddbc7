/**
 * The shape of `reg.explainAuth()`'s answer: plain data (no class, no `toString()`), one object per step, each with
 * its facts and `says`, the lines a person reads. The CLI prints the `says` of each step in order; `--json` prints the
 * whole; a REPL printer can do either. Nothing in it is a secret: the token stays inside the client, only its decoded
 * claims come out, and the whole report is scrubbed against the client's secrets before it is returned.
 */
import type { CredentialSource, TokenAccessClaim, TokenExchangeTrace } from "@regatta/auth";
import type { AccessFacts } from "@regatta/errors";

/** What a probe's answer means, and the report's verdict (the first probe that did not succeed decides it). */
export type AuthOutcome = "ok" | "unauthorized" | "forbidden" | "insufficient_scope" | "not_found" | "error";

/**
 * Why a step could not be carried out — not an answer about access (a 401, 403 or 404 is what the report explains),
 * but a registry or token service that could not be reached, answered 5xx, or sent a header that does not parse: the
 * typed error's one line (its message with its hint), its code, and the HTTP status when there was an answer.
 */
export interface StepFailure {
  message: string;
  code: string;
  status?: number;
  /**
   * True when the registry or its token service could not be reached at all (refused, DNS, TLS, a timeout), as a
   * RegistryUnreachableError or TimeoutError says: the CLI's exit status 5 then, as the command explained would exit.
   */
  unreachable?: true;
}

/** Step 1: `GET /v2/` and its challenge. */
export interface ChallengeStep {
  title: "challenge";
  /** Status of `GET /v2/`: 200 (no authentication) or 401 (a challenge); absent when the ping failed. */
  status?: number;
  apiVersion?: string;
  scheme: "none" | "basic" | "bearer" | "unknown";
  /** The token realm (Bearer) or the Basic realm, redacted as in logs. */
  realm?: string;
  service?: string;
  /** The scope Regatta asks for this reference: `repository:<name>:pull` (or `pull,push`). */
  scope: string;
  /** Why `GET /v2/` or its challenge failed; the steps after it go on without what it would have told. */
  failure?: StepFailure;
  says: string[];
}

/** Step 2: where the credentials came from. */
export interface CredentialsStep {
  title: "credentials";
  /** Undefined when a custom credential provider did not say where it looked. */
  source: CredentialSource | undefined;
  kind: "none" | "password" | "identity-token" | "registry-token";
  username?: string;
  /** Why the credential lookup failed (a credential helper that failed, a config file that does not parse). */
  failure?: StepFailure;
  says: string[];
}

/** Step 3: the token request(s) and the answers, never the token. */
export interface TokenStep {
  title: "token";
  /** `realm` (asked of the token server), `registry-token` (configured), or `none` (Basic, no authentication, a failure). */
  from: "realm" | "registry-token" | "none";
  exchanges: TokenExchangeTrace[];
  /** Why no token came (the token server's refusal, or its failure), one line. */
  error?: string;
  /** Set when no token came for a reason other than a refusal (401/403): unreachable, 5xx, an answer without a token. */
  failure?: StepFailure;
  says: string[];
}

/** Step 4: what the token grants, from its decoded claims. */
export interface GrantsStep {
  title: "grants";
  /** `jwt` (claims decoded), `opaque` (not a JWT: nothing to read), or `none` (no token). */
  token: "jwt" | "opaque" | "none";
  access?: TokenAccessClaim[];
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** `exp` as in the token (seconds) and as an ISO date. */
  exp?: number;
  expires?: string;
  /** Actions asked for that the token's `access` does not grant on the repository. */
  missing?: string[];
  says: string[];
}

/** Step 5: one request that tries what was asked, and what its answer means. */
export interface ProbeStep {
  title: "probe";
  /** `HEAD /v2/<name>/manifests/<tag>`, `POST /v2/<name>/blobs/uploads/`. */
  request: string;
  action: "pull" | "push";
  status?: number;
  /** The registry's error code, when it sent one (`MANIFEST_UNKNOWN`, `DENIED`). */
  code?: string;
  /** The registry's own words (`errors[0].message`), scrubbed. */
  registrySays?: string;
  outcome: AuthOutcome;
  /** The facts a refusal carried (for an app's own wording of the fix). */
  access?: AccessFacts;
  /** What to do about it, in the library's words (the CLI words its own from `access`). */
  fix?: string;
  /** Whether the upload the push probe opened was cancelled (nothing is left behind). */
  cancelled?: boolean;
  /** Set when the answer is not about access (outcome `error`): unreachable, 5xx, a malformed challenge. */
  failure?: StepFailure;
  says: string[];
}

/** The whole explanation: steps 1 to 5 in order, and the verdict. */
export interface AuthReport {
  reference: string;
  registry: string;
  repository: string;
  /** The actions asked about: `["pull"]` or `["pull", "push"]`. */
  actions: string[];
  verdict: AuthOutcome;
  /** One line: the verdict in words. */
  summary: string;
  /**
   * The steps that could not be carried out (each with its `failure`), as numbered and titled in the report
   * (`1. challenge`, `5. probe: pull`); empty when the explanation is complete, whatever it found.
   */
  failed: string[];
  steps: [ChallengeStep, CredentialsStep, TokenStep, GrantsStep, ...ProbeStep[]];
}
