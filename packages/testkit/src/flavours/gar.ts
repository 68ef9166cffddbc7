import type { NegotiationContext, NegotiationResult, RegistryFlavour } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";
import { withoutDetail } from "./without-detail.js";

/*
 * Google Artifact Registry (`<region>-docker.pkg.dev/<project>/<repository>/<image>`), which shares its front end
 * with gcr.io. Sources:
 * - 401 `Bearer realm="https://europe-west1-docker.pkg.dev/v2/token",service="europe-west1-docker.pkg.dev",scope=
 *   "repository:…:pull"`, `Content-Type: application/json`, `X-Content-Type-Options: nosniff`, `X-Frame-Options:
 *   SAMEORIGIN`, `X-Xss-Protection: 0`: https://github.com/docker/setup-buildx-action/issues/79
 * - the `/v2/` ping challenge names the realm only (no service, no scope):
 *   https://github.com/nicholas-fedor/watchtower/pull/1895
 * - users `oauth2accesstoken` (an access token as password) or `_json_key`: https://github.com/oras-project/oras/issues/157
 * - an unknown tag: 404 `MANIFEST_UNKNOWN` `Failed to fetch "<tag>" from request "/v2/<name>/manifests/<tag>".`; a
 *   manifest whose media type the client does not accept: 404 `MANIFEST_UNKNOWN` "Manifest with tag '<tag>' has media
 *   type '<type>', but client accepts '<accept>'." (no schema 1 rewrite, no linux/amd64 fallback):
 *   https://github.com/kubernetes/release/issues/2913
 * - `tags/list` adds Google's `child` and `manifest` maps (digest → mediaType, tag, sizes, times) to `name`/`tags`:
 *   https://github.com/google/go-containerregistry/issues/1643 (gcrane reads them for pkg.dev)
 * - HEAD without `Docker-Content-Digest`? Checked: no report for GAR or gcr.io; the registries known to leave it
 *   out are ECR (on GET, see ecr.ts), registry.redhat.io (https://github.com/regclient/regclient/pull/363) and
 *   proxies (https://github.com/distribution/distribution/issues/3848). The contract tests reproduce a HEAD without
 *   it with `digestHeader: { head: false }` on every flavour.
 */

function negotiateGoogle(ctx: NegotiationContext): NegotiationResult {
  const { manifest, accept } = ctx;
  if (accept.size === 0 || accept.has(manifest.mediaType) || accept.has("*/*")) {
    return { digest: ctx.digest, manifest };
  }
  const what = ctx.byTag ? "tag" : "digest";
  return {
    status: 404,
    error: {
      code: "MANIFEST_UNKNOWN",
      message: `Manifest with ${what} '${ctx.reference}' has media type '${manifest.mediaType}', but client accepts '${[...accept].join(",")}'.`,
    },
  };
}

export const garFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "gar",
  commonHeaders: {
    "Docker-Distribution-Api-Version": "registry/2.0",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Xss-Protection": "0",
  },
  jsonContentType: "application/json",
  json: (value) => JSON.stringify(value),
  tagsPagination: true,
  defaults: {
    host: "us-docker.pkg.dev",
    auth: {
      type: "bearer",
      realm: "/v2/token",
      service: "us-docker.pkg.dev",
      users: { oauth2accesstoken: "ya29.a0AfB_byC7xQ2mZr9LkT4vWn8HsJd3PqYe6uNc1GbVo5Ri" },
    },
  },
  bearerChallenge: ({ realm, service, scope, error, route }) =>
    route === "ping"
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}",service="${service}"${scope ? `,scope="${scope}"` : ""}${error ? `,error="${error}"` : ""}`,
  negotiateManifest: negotiateGoogle,
  mapError: (error, ctx) => {
    if (error.code === "MANIFEST_UNKNOWN" && !error.message && ctx.reference) {
      const path = `/v2/${ctx.repository}/manifests/${ctx.reference}`;
      return { code: error.code, message: `Failed to fetch "${ctx.reference}" from request "${path}".` };
    }
    return withoutDetail(error);
  },
  tagsBody: ({ name, tags, repository }) => {
    const manifest: Record<string, unknown> = {};
    for (const [digest, m] of repository.manifests) {
      const tag = [...(repository.tags ?? [])].filter(([, d]) => d === digest).map(([t]) => t);
      manifest[digest] = {
        imageSizeBytes: String(m.bytes.length),
        layerId: "",
        mediaType: m.mediaType,
        tag,
        timeCreatedMs: "0",
        timeUploadedMs: "0",
      };
    }
    return { child: [], manifest, name, tags: tags ?? [] };
  },
};

/** A fake Artifact Registry at `us-docker.pkg.dev`: token realm `/v2/token`, Google's errors and tag list. */
export function garHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(garFlavour, options);
}
