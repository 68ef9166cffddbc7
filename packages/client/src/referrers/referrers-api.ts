/**
 * Whether a repository's registry really serves the OCI 1.1 referrers API, asked once (one GET) and remembered per
 * client. `OCI-Subject` on a manifest PUT is meant to say so (the registry indexed the subject,
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject), but ECR
 * answered the header while its referrers endpoint still answered 404 (issue 13): a client that trusted the header
 * left the referrer findable by nothing. So a claimed `OCI-Subject` is checked with one GET of the subject's
 * referrers, and a 404 (the spec's "no API") means the fallback tag index is kept after all.
 */
import { NotFoundError } from "@regatta/errors";
import type { RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";
import { referrersGet } from "../registry-api/referrers.js";

/**
 * What was learnt, per client context (a derived client has its own): `registry/repository` → whether the API answers.
 * A WeakMap, so a context's answers go with it. Only answers are kept, never failures (a 500 is asked again).
 */
const known = new WeakMap<ClientContext, Map<string, Promise<boolean>>>();

const keyOf = (repo: RepositoryReference) => `${repo.registry}/${repo.repository}`;

function answersOf(ctx: ClientContext): Map<string, Promise<boolean>> {
  let answers = known.get(ctx);
  if (!answers) {
    answers = new Map();
    known.set(ctx, answers);
  }
  return answers;
}

/** Records what a listing of referrers found out (list-referrers.ts reads the API anyway). */
export function rememberReferrersApi(ctx: ClientContext, repo: RepositoryReference, api: boolean): void {
  answersOf(ctx).set(keyOf(repo), Promise.resolve(api));
}

/**
 * Whether `repo`'s registry answers the referrers API: a GET of the referrers of `digest` (any manifest: an unknown
 * subject is an empty list, not a 404, where the API exists), asked at most once per repository and client.
 * @throws what the GET threw when it was not a 404 (the answer is then not remembered).
 */
export function hasReferrersApi(
  ctx: ClientContext,
  repo: RepositoryReference,
  digest: string,
  options: { signal?: AbortSignal } = {},
): Promise<boolean> {
  const answers = answersOf(ctx);
  const key = keyOf(repo);
  const cached = answers.get(key);
  if (cached) return cached;
  const asked = referrersGet(ctx.transport, {
    registry: repo.registry,
    repository: repo.repository,
    digest,
    context: `check the referrers API of ${repo.name}`,
    ...(options.signal ? { signal: options.signal } : {}),
  }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof NotFoundError) return false;
      answers.delete(key);
      throw error;
    },
  );
  answers.set(key, asked);
  return asked;
}
