import type { RegistryFlavour } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";

/*
 * Quay (quay.io, Red Hat Quay). Sources:
 * - tags come 50 to a page; the next page is an opaque (Fernet, `gAAAAAB…`) `next_page` token, not `last`:
 *   `Link: </v2/coreos/etcd/tags/list?next_page=gAAAAABc…%3D&n=50>; rel="next"`:
 *   https://github.com/deitch/docker_registry2/issues/56, https://github.com/ivanilves/lstags/issues/185,
 *   https://github.com/regclient/regclient/issues/272 (`last` is ignored). Older answers gave an absolute URL
 *   (https://github.com/TritonDataCenter/node-docker-registry-client/issues/12); quay.io moved to `last` in 2024
 *   (https://github.com/deitch/docker_registry2/issues/106), Red Hat Quay installations may still page by token.
 * - a `Link` without angle brackets (`/v2/…?next_page=…; rel="next"`) is what some proxies in front of registries
 *   send; Regatta's registry-api/pages.ts accepts it, and {@link quayBareLinkFlavour} proves it end to end.
 * - token realm `https://quay.io/v2/auth` with service `quay.io`: https://github.com/quay/claircore/pull/879,
 *   https://github.com/quay/mirror-registry/issues/71; the challenge names no `scope`:
 *   https://github.com/OctopusDeploy/Issues/issues/5076
 */

const TOKEN_PREFIX = "gAAAAAB";

/**
 * Quay's opaque page token; the fake's is the last tag seen, base64url-encoded behind Fernet's prefix, padded with
 * `=` as Fernet tokens are (so the link carries `%3D`, which a client must not encode twice).
 */
function nextPageToken(last: string): string {
  const encoded = Buffer.from(last, "utf8").toString("base64url");
  return TOKEN_PREFIX + encoded.padEnd(Math.ceil(encoded.length / 4) * 4, "=");
}

function tagAfter(url: URL): string | undefined {
  const token = url.searchParams.get("next_page");
  if (!token?.startsWith(TOKEN_PREFIX)) return undefined;
  return Buffer.from(token.slice(TOKEN_PREFIX.length).replace(/=+$/, ""), "base64url").toString("utf8");
}

/** Quay with `Link: </v2/…/tags/list?next_page=…&n=50>; rel="next"`. */
export const quayFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "quay",
  commonHeaders: {
    "Docker-Distribution-Api-Version": "registry/2.0",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=63072000; preload",
  },
  jsonContentType: "application/json",
  tagsPagination: true,
  tagsPaging: {
    defaultSize: 50,
    after: tagAfter,
    link: ({ name, last, n }) =>
      `</v2/${name}/tags/list?${new URLSearchParams({ next_page: nextPageToken(last), n: String(n) })}>; rel="next"`,
  },
  defaults: {
    host: "quay.io",
    auth: { type: "bearer", realm: "https://quay.io/v2/auth", service: "quay.io" },
  },
  bearerChallenge: ({ realm, service, error }) =>
    `Bearer realm="${realm}",service="${service}"${error ? `,error="${error}"` : ""}`,
};

/** Quay behind a proxy that drops the angle brackets: `Link: /v2/…?next_page=…&n=50; rel="next"`. */
export const quayBareLinkFlavour: RegistryFlavour = {
  ...quayFlavour,
  name: "quay-bare-link",
  tagsPaging: {
    ...quayFlavour.tagsPaging!,
    link: (ctx) => quayFlavour.tagsPaging!.link(ctx).replace(/^<([^>]*)>/, "$1"),
  },
};

/** A fake quay.io: token-paged tags (50 a page), token realm `/v2/auth`, challenges without scope. */
export function quayHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(quayFlavour, options);
}
