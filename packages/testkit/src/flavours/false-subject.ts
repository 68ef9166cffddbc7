import type { RegistryFlavour, RouteContext } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";

/*
 * A false `OCI-Subject` (issue 13, seen from ECR): a manifest PUT with a `subject` is answered `OCI-Subject: <digest>`,
 * which the spec reserves for registries that indexed the subject for the referrers API
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject), yet
 * `GET /v2/<name>/referrers/<digest>` answers 404 as on a registry without that API. A client that trusts the header
 * skips the referrers tag schema, and the referrer is then findable by nothing. Distribution's flavour otherwise.
 */

/** The subject of the manifest a PUT just stored, read back from the store (the request body is spent by now). */
function subjectOfPut(ctx: RouteContext & { status: number }): string | undefined {
  if (ctx.route !== "manifest" || ctx.request.method !== "PUT" || ctx.status !== 201) return undefined;
  const repo = ctx.repository === undefined ? undefined : ctx.store.repository(ctx.repository);
  const reference = ctx.reference ?? "";
  const digest = reference.includes(":") ? reference : repo?.tags?.get(reference);
  const stored = digest === undefined ? undefined : repo?.manifests.get(digest);
  if (!stored) return undefined;
  try {
    const subject = (JSON.parse(stored.bytes.toString("utf8")) as { subject?: { digest?: unknown } }).subject;
    return typeof subject?.digest === "string" ? subject.digest : undefined;
  } catch {
    return undefined;
  }
}

/** OCI-Subject on every PUT with a subject, and no referrers API (no `referrers`: its route is distribution's 404). */
export const falseSubjectFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "false-oci-subject",
  routeHeaders: (ctx): Record<string, string> => {
    const subject = subjectOfPut(ctx);
    return subject === undefined ? {} : { "OCI-Subject": subject };
  },
};

/** A fake registry that claims `OCI-Subject` without serving the referrers API. */
export function falseSubjectHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(falseSubjectFlavour, options);
}
