import type { RegistryFlavour } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";

/*
 * GitHub Container Registry (ghcr.io). Sources:
 * - anonymous tokens for public images from `https://ghcr.io/token?scope=repository:<owner>/<image>:pull&service=
 *   ghcr.io`, answered `{"token":"…"}` (no `expires_in`; the token is opaque, not a JWT):
 *   https://github.com/oras-project/oras-java/issues/178, https://github.com/CodesWhat/drydock/pull/87,
 *   https://github.com/seantis/roots/pull/4, https://github.com/radius-project/radius/pull/12623
 * - challenge `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"`:
 *   https://github.com/jdx/mise/pull/9273 (realm and service), the scope as for any distribution-style registry
 * - an OCI index asked for without its media type: 404 `MANIFEST_UNKNOWN` "OCI index found, but Accept header does not
 *   support OCI indexes" (capital A, unlike distribution): https://github.com/release-argus/Argus/issues/459,
 *   https://github.com/seantis/roots/pull/4
 * - tags are paginated with `n` and `Link: <…>; rel="next"`: https://github.com/werf/werf/pull/3654,
 *   https://github.com/werf/werf/pull/3671
 * - 403 `DENIED` when a token cannot write a package ("permission_denied: write_package"):
 *   https://github.com/tridz-dev/huf/pull/349
 */
export const ghcrFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "ghcr",
  commonHeaders: { "Docker-Distribution-Api-Version": "registry/2.0" },
  messages: { ...distributionFlavour.messages, DENIED: "permission_denied: write_package" },
  tagsPagination: true,
  defaults: {
    host: "ghcr.io",
    auth: { type: "bearer", realm: "https://ghcr.io/token", service: "ghcr.io" },
  },
  tokenBody: ({ token }) => ({ token }),
  negotiateManifest: (ctx) => {
    const chosen = distributionFlavour.negotiateManifest(ctx);
    if (!("error" in chosen) || !chosen.error.message) return chosen;
    return {
      ...chosen,
      error: { ...chosen.error, message: chosen.error.message.replace("accept", "Accept") },
    };
  },
};

/** A fake ghcr.io: anonymous pull tokens from `https://ghcr.io/token`, paginated tags, GHCR's Accept message. */
export function ghcrHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(ghcrFlavour, options);
}
