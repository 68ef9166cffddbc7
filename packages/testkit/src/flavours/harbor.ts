import { randomUUID } from "node:crypto";
import type { FlavourError, RegistryFlavour, RouteContext } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";
import { withoutDetail } from "./without-detail.js";

/*
 * Harbor 2.x (harbor-core in front of distribution). Sources:
 * - 401 `Www-Authenticate: Bearer realm="https://<host>/service/token",service="harbor-registry"`, an
 *   `X-Request-Id` on every answer, the ping body `{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized:
 *   unauthorized"}]}`: https://github.com/goharbor/harbor/issues/3343, https://github.com/google/go-containerregistry/issues/1493
 * - without access to a repository: "unauthorized to access repository: <name>, action: pull: unauthorized to access
 *   repository: <name>, action: pull": https://github.com/goharbor/harbor/issues/17713,
 *   https://github.com/goharbor/harbor-operator/issues/327
 * - `/v2/_catalog` is for system administrators only; others get 401 "unauthorized to list catalog: unauthorized to
 *   list catalog": https://github.com/goharbor/harbor/issues/7898, https://github.com/goharbor/harbor/issues/21291
 * - not found is `NOT_FOUND`, not the spec's codes: "artifact <name>:<tag> not found", "blob sha256:… not found":
 *   https://github.com/plexsystems/sinker/issues/35, https://github.com/goharbor/harbor/issues/18461,
 *   https://github.com/goharbor/harbor/pull/23637 (still open in 2026)
 * - error bodies carry no `detail`.
 */

function harborError(error: FlavourError, ctx: RouteContext): FlavourError {
  const name = ctx.repository ?? "";
  const ref = ctx.reference ?? "";
  switch (error.code) {
    case "UNAUTHORIZED": {
      const action = ctx.request.method === "GET" || ctx.request.method === "HEAD" ? "pull" : "push";
      const message =
        ctx.route === "catalog"
          ? "unauthorized to list catalog: unauthorized to list catalog"
          : ctx.route === "ping"
            ? "unauthorized: unauthorized"
            : `unauthorized to access repository: ${name}, action: ${action}: unauthorized to access repository: ${name}, action: ${action}`;
      return { code: error.code, message };
    }
    case "MANIFEST_UNKNOWN":
      if (error.message) return withoutDetail(error);
      return {
        code: "NOT_FOUND",
        message: `artifact ${name}${ref.includes(":") ? "@" : ":"}${ref} not found`,
      };
    case "BLOB_UNKNOWN":
      return { code: "NOT_FOUND", message: `blob ${ref} not found` };
    case "NAME_UNKNOWN":
      return { code: "NOT_FOUND", message: `repository ${name} not found` };
    default:
      return withoutDetail(error);
  }
}

export const harborFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "harbor",
  commonHeaders: { "Docker-Distribution-Api-Version": "registry/2.0" },
  tagsPagination: true,
  defaults: {
    host: "harbor.example",
    auth: {
      type: "bearer",
      realm: "/service/token",
      service: "harbor-registry",
      users: { admin: "Harbor12345", regatta: "regatta-secret" },
    },
  },
  tokenAccess: (user, scope) => {
    if (scope.type === "registry") return user === "admin" ? scope.actions : [];
    return user === undefined ? scope.actions.filter((a) => a === "pull") : scope.actions;
  },
  mapError: harborError,
  routeHeaders: () => ({ "X-Request-Id": randomUUID() }),
};

/** A fake Harbor at `harbor.example`: token realm `/service/token`, admin-only catalog, Harbor's error bodies. */
export function harborHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(harborFlavour, options);
}
