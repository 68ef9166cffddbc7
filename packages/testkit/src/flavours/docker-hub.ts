import type { RegistryFlavour, RouteContext } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";

/*
 * Docker Hub: registry-1.docker.io, tokens from auth.docker.io. It runs distribution, so everything not listed
 * here is the distribution flavour. Sources:
 * - 401 `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:…:pull"`, and
 *   `,error="insufficient_scope"` when a token lacks the scope; `Strict-Transport-Security: max-age=31536000`:
 *   https://github.com/distribution/distribution/issues/1203, https://github.com/bazelbuild/rules_docker/issues/31
 * - 401 body `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":
 *   "repository","Class":"","Name":"library/alpine","Action":"pull"}]}]}`: https://github.com/docker/for-win/issues/2792
 * - an unknown repository is a 401 insufficient_scope, never a 404 (its token grants nothing), so "missing" and
 *   "private" look the same: https://github.com/jupyterhub/binderhub/pull/1664,
 *   https://github.com/hashicorp/terraform-provider-docker/issues/140
 * - official images live under `library/` and are scoped so (`repository:library/alpine:pull`):
 *   https://github.com/ciiiii/cloudflare-docker-proxy/issues/17
 * - `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 99;w=21600`, `docker-ratelimit-source` on manifest GET and
 *   HEAD; only a GET counts as a pull: https://gist.github.com/jeversol/369009aaad4cd2cd8e2610fa68d4c4be,
 *   https://docs.docker.com/docker-hub/usage/pulls/, https://github.com/containers/image/pull/1078
 * - past the limit, 429 `TOOMANYREQUESTS` "You have reached your pull rate limit. You may increase the limit by
 *   authenticating and upgrading: https://www.docker.com/increase-rate-limit": https://github.com/docker/docs/issues/21908
 * - token JSON `{"token","access_token","expires_in":300,"issued_at"}` (the test kit's token endpoint writes exactly
 *   that): https://distribution.github.io/distribution/spec/auth/token/#token-response-fields
 * - tags: all at once without `n`, `Link: </v2/…/tags/list?last=…&n=…>; rel="next"` with it:
 *   https://github.com/meziantou/Meziantou.Framework/pull/2190, https://github.com/gadievron/raptor/pull/495
 * - a manifest list asked for by a schema-2-only client answers the linux/amd64 image (distribution's behaviour):
 *   https://github.com/opencontainers/distribution-spec/issues/207
 */

/** Anonymous pulls per window (the `100` of `ratelimit-limit: 100;w=21600`). */
export const DOCKER_HUB_PULL_LIMIT = 100;

/** Pulls left in the window; tests set `handlers.state.pullsRemaining` to run into the limit. */
function pullsRemaining(ctx: RouteContext): number {
  return (ctx.state.pullsRemaining as number | undefined) ?? DOCKER_HUB_PULL_LIMIT;
}

/** Docker Hub as msw handlers: see the sources above. */
export const dockerHubFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "docker-hub",
  commonHeaders: {
    "Docker-Distribution-Api-Version": "registry/2.0",
    "Strict-Transport-Security": "max-age=31536000",
  },
  messages: {
    ...distributionFlavour.messages,
    TOOMANYREQUESTS:
      "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
  },
  tagsPagination: true,
  defaults: {
    host: "registry-1.docker.io",
    auth: { type: "bearer", realm: "https://auth.docker.io/token", service: "registry.docker.io" },
  },
  // Nothing on a repository that does not exist, except pushing to it as a user (that creates it).
  tokenAccess: (user, scope, store) => {
    if (scope.type === "repository" && !store.repository(scope.name)) {
      return user && scope.actions.includes("push") ? scope.actions : [];
    }
    return user === undefined ? scope.actions.filter((a) => a === "pull") : scope.actions;
  },
  preempt: (ctx) => {
    if (ctx.route !== "manifest" || ctx.request.method !== "GET") return undefined;
    const remaining = pullsRemaining(ctx);
    if (remaining > 0) {
      ctx.state.pullsRemaining = remaining - 1;
      return undefined;
    }
    return { status: 429, error: { code: "TOOMANYREQUESTS" } };
  },
  routeHeaders: (ctx): Record<string, string> =>
    ctx.route === "manifest" && (ctx.status === 200 || ctx.status === 429)
      ? {
          "ratelimit-limit": `${DOCKER_HUB_PULL_LIMIT};w=21600`,
          "ratelimit-remaining": `${pullsRemaining(ctx)};w=21600`,
          "docker-ratelimit-source": "192.0.2.10",
        }
      : {},
};

/**
 * A fake Docker Hub: `https://registry-1.docker.io` with Bearer tokens from `https://auth.docker.io/token`
 * (service `registry.docker.io`), rate-limit headers on manifests and a pull counter in `state.pullsRemaining`.
 */
export function dockerHubHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(dockerHubFlavour, options);
}
