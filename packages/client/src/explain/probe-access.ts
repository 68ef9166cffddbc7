/**
 * Step 5 of `explainAuth`: one request that tries what was asked, through the client's whole stack (token, one replay
 * after a challenge, typed errors), and what its answer means. Pull is a HEAD of the manifest; push opens a blob
 * upload (`POST /v2/<name>/blobs/uploads/`) and cancels it at once (`DELETE` of its Location), so nothing is left.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 */
import { RegattaError } from "@regatta/errors";
import { acceptHeader } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { manifestHead } from "../registry-api/manifests.js";
import { manifestPath, uploadsPath } from "../registry-api/paths.js";
import { tagsGet } from "../registry-api/tags.js";
import { cancelUpload, openUploadSession, type UploadLocations } from "../registry-api/upload-session.js";
import type { AuthOutcome, ProbeStep } from "./auth-report.js";
import { failureLine, isAccessAnswer, stepFailure } from "./step-failure.js";

/** The probes of `actions` (`pull`, and `push` when asked), in order. */
export async function probeAccess(
  ctx: ClientContext,
  ref: Reference,
  actions: readonly string[],
  signal: AbortSignal | undefined,
): Promise<ProbeStep[]> {
  const probes = [await probePull(ctx, ref, signal)];
  if (actions.includes("push")) probes.push(await probePush(ctx, ref, signal));
  return probes;
}

async function probePull(
  ctx: ClientContext,
  ref: Reference,
  signal: AbortSignal | undefined,
): Promise<ProbeStep> {
  const request = `HEAD ${manifestPath(ref.repository, ref.identifier)}`;
  try {
    const response = await manifestHead(ctx.transport, {
      registry: ref.registry,
      repository: ref.repository,
      reference: ref.identifier,
      accept: acceptHeader("all"),
      context: `explain auth: pull ${ref.familiar()}`,
      ...(signal ? { signal } : {}),
    });
    const digest = response.headers["docker-content-digest"];
    return {
      title: "probe",
      request,
      action: "pull",
      status: response.status,
      outcome: "ok",
      says: [
        `${request} -> ${response.status}: pull is allowed${digest ? ` (the manifest is ${digest})` : ""}`,
      ],
    };
  } catch (error) {
    if (signal?.aborted) throw error;
    return refusal(request, "pull", error, ref, await afterRefusedHead(ctx, ref, error, signal));
  }
}

/** What a GET tells that a refused HEAD could not (its answer has no body): the registry's code and words. */
interface RefusalDetail {
  code?: string;
  message?: string;
  /** The repository's tag list answered: it exists, only the tag or digest is missing. */
  repositoryExists?: boolean;
}

/**
 * After a refused HEAD of the manifest, a GET of the tag list (`?n=1`): a HEAD answer has no body, so it names no
 * error code; the tag list's answer does, and tells a missing repository (`NAME_UNKNOWN`) from a missing tag.
 */
async function afterRefusedHead(
  ctx: ClientContext,
  ref: Reference,
  headError: unknown,
  signal: AbortSignal | undefined,
): Promise<RefusalDetail> {
  if (!(headError instanceof RegattaError) || headError.status === undefined || headError.errors.length)
    return {};
  try {
    await tagsGet(ctx.transport, {
      registry: ref.registry,
      repository: ref.repository,
      n: 1,
      context: `explain auth: list the tags of ${ref.repositoryOnly().familiar()}`,
      ...(signal ? { signal } : {}),
    });
    return { repositoryExists: true };
  } catch (error) {
    if (!(error instanceof RegattaError) || error.status !== headError.status) return {};
    const entry = error.errors[0];
    return {
      ...(entry?.code ? { code: entry.code } : {}),
      ...(entry?.message ? { message: entry.message } : {}),
    };
  }
}

async function probePush(
  ctx: ClientContext,
  ref: Reference,
  signal: AbortSignal | undefined,
): Promise<ProbeStep> {
  const path = uploadsPath(ref.repository);
  const request = `POST ${path}`;
  const context = `explain auth: push ${ref.repositoryOnly().familiar()}`;
  const send = ctx.transport.request.bind(ctx.transport);
  let location: UploadLocations;
  let status: number;
  try {
    ({ location, status } = await openUploadSession(send, {
      registry: ref.registry,
      repository: ref.repository,
      context,
      ...(signal ? { signal } : {}),
    }));
  } catch (error) {
    if (signal?.aborted) throw error;
    return refusal(request, "push", error, ref);
  }
  const says = [`${request} -> ${status}: push is allowed (the registry opened an upload)`];
  let cancelled = true;
  try {
    await cancelUpload(send, {
      registry: ref.registry,
      repository: ref.repository,
      location,
      context: `${context}: cancel the probe's upload`,
      ...(signal ? { signal } : {}),
    });
    says.push("DELETE of the upload's Location: cancelled, nothing is left behind");
  } catch (error) {
    cancelled = false;
    says.push(
      `the probe's upload could not be cancelled (the registry expires it): ${String((error as Error).message)}`,
    );
  }
  return { title: "probe", request, action: "push", status, outcome: "ok", cancelled, says };
}

/**
 * A probe's refusal read: 401, 401 insufficient_scope, 403, 404. Anything else (no answer, a 5xx, a challenge that
 * does not parse) is not about access: the probe failed, and says so with the typed error's line, code and status.
 */
function refusal(
  request: string,
  action: "pull" | "push",
  error: unknown,
  ref: Reference,
  detail: RefusalDetail = {},
): ProbeStep {
  if (!isAccessAnswer(error, [401, 403, 404])) {
    const failure = stepFailure(error);
    return {
      title: "probe",
      request,
      action,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      outcome: "error",
      failure,
      says: [`${request} ${failureLine(failure)}`],
    };
  }
  const status = error.status;
  const code = error.errors[0]?.code ?? detail.code;
  const said = error.errors[0]?.message ?? detail.message;
  const outcome: Exclude<AuthOutcome, "ok" | "error"> =
    status === 401
      ? error.access?.insufficientScope
        ? "insufficient_scope"
        : "unauthorized"
      : status === 403
        ? "forbidden"
        : "not_found";
  const repository = ref.repository;
  const meaning: Record<Exclude<AuthOutcome, "ok" | "error">, string> = {
    unauthorized:
      error.access?.credentials === "none"
        ? "no credentials were sent and the registry wants some"
        : "the registry refused the credentials (a wrong username or password, or an expired token)",
    insufficient_scope: `the token lacks ${action} on ${repository}: the token server did not grant it${action === "pull" ? " (Docker Hub answers so for a repository that does not exist)" : ""}`,
    forbidden: `the credentials were accepted but may not ${action} ${repository}: ask for access, and check the repository name`,
    not_found:
      code === "MANIFEST_UNKNOWN" || detail.repositoryExists
        ? `the repository exists, but has no manifest ${ref.identifier}`
        : code === "NAME_UNKNOWN"
          ? `the repository ${repository} does not exist, or is hidden from you`
          : "the repository or tag does not exist, or is hidden from you",
  };
  return {
    title: "probe",
    request,
    action,
    status,
    ...(code ? { code } : {}),
    ...(said ? { registrySays: said } : {}),
    outcome,
    ...(error.access ? { access: error.access } : {}),
    ...(error.hint ? { fix: error.hint } : {}),
    says: [
      `${request} -> ${status}${code ? ` ${code}` : ""}${outcome === "insufficient_scope" ? " (insufficient_scope)" : ""}: ${meaning[outcome]}`,
      ...(said ? [`the registry says: ${said}`] : []),
      ...(error.hint ? [`fix: ${error.hint}`] : []),
    ],
  };
}

/** The verdict as one line. */
export function verdictLine(verdict: AuthOutcome, ref: Reference, actions: readonly string[]): string {
  const what = `${actions.join(" and ")} on ${ref.registry}/${ref.repository}`;
  switch (verdict) {
    case "ok":
      return `${what}: allowed`;
    case "unauthorized":
      return `${what}: refused (401): credentials missing or refused`;
    case "insufficient_scope":
      return `${what}: refused (401 insufficient_scope): the token lacks an action asked for`;
    case "forbidden":
      return `${what}: refused (403): credentials accepted but not allowed`;
    case "not_found":
      return `${what}: not found (404): the repository or tag does not exist, or is hidden from you`;
    default:
      return `${what}: the probe failed for a reason other than authentication`;
  }
}
