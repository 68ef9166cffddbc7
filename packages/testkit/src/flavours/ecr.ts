import type { RegistryFlavour } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";
import { withoutDetail } from "./without-detail.js";

/*
 * Amazon ECR (private registries, `<account>.dkr.ecr.<region>.amazonaws.com`). Sources:
 * - Basic only: 401 `Www-Authenticate: Basic realm="https://<account>.dkr.ecr.<region>.amazonaws.com/",service=
 *   "ecr.amazonaws.com"` with a plain-text body `Not Authorized`: https://wom.icu/today-i-learned/2023-09-11
 * - the user is `AWS`, the password a 12-hour token from GetAuthorizationToken:
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
 * - a manifest GET has no `Docker-Content-Digest` (HEAD has it): https://github.com/distribution/distribution/issues/3792,
 *   https://github.com/aws/containers-roadmap/issues/1931, https://github.com/ChangemakerStudios/Docker.Registry.DotNet/issues/34
 * - `NAME_UNKNOWN` "The repository with name 'x' does not exist in the registry with id '123456789012'":
 *   https://github.com/actions/starter-workflows/issues/2647, https://github.com/aws-actions/amazon-ecr-login/issues/166
 * - an expired token is 403 `DENIED` "Your authorization token has expired. Reauthenticate and try again.":
 *   https://github.com/aws/aws-cli/issues/6580
 * - `MANIFEST_UNKNOWN` "Requested image not found", as ECS quotes it in CannotPullContainerError (no raw capture
 *   found; the code is what matters to clients).
 */

/** The 12-digit registry id in an ECR host name. */
function accountOf(request: Request): string {
  return /^(\d+)\./.exec(new URL(request.url).hostname)?.[1] ?? "123456789012";
}

export const ecrFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "ecr",
  commonHeaders: { "Docker-Distribution-Api-Version": "registry/2.0" },
  messages: {
    ...distributionFlavour.messages,
    DENIED: "Your authorization token has expired. Reauthenticate and try again.",
    MANIFEST_UNKNOWN: "Requested image not found",
  },
  tagsPagination: true,
  defaults: {
    host: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
    auth: {
      type: "basic",
      users: { AWS: "eyJwYXlsb2FkIjoiQjlxR3RXNXhMa0ZwUjJ2Wm1ONHNUOGNEIiwiZGF0YWtleSI6IkFRRUJBSGg0In0=" },
    },
  },
  basicChallenge: (request) =>
    `Basic realm="https://${new URL(request.url).host}/",service="ecr.amazonaws.com"`,
  digestHeader: { get: false },
  errorBody: (status) =>
    status === 401 ? { contentType: "text/plain; charset=utf-8", body: "Not Authorized\n" } : undefined,
  mapError: (error, ctx) => {
    if (error.code === "NAME_UNKNOWN") {
      return {
        code: error.code,
        message: `The repository with name '${ctx.repository}' does not exist in the registry with id '${accountOf(ctx.request)}'`,
      };
    }
    // ECR's error bodies carry no `detail`.
    return withoutDetail(error);
  },
};

/** A fake ECR registry: Basic auth for user `AWS`, no digest header on manifest GETs, ECR's messages. */
export function ecrHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(ecrFlavour, options);
}
