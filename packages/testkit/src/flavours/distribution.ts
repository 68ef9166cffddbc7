import { MEDIA_TYPES } from "../media-types.js";
import type { NegotiationContext, NegotiationResult, RegistryFlavour } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";

/**
 * CNCF distribution 2.8.2 (Debian's `docker-registry`), as observed on the real binary: headers, error bodies
 * byte for byte, and its quirks (see the README's "distribution 2.8.2 quirks").
 */
export const distributionFlavour: RegistryFlavour = {
  name: "distribution",
  commonHeaders: { "Docker-Distribution-Api-Version": "registry/2.0" },
  jsonContentType: "application/json; charset=utf-8",
  json: (value) => `${JSON.stringify(value)}\n`,
  pingBody: "{}",
  messages: {
    BLOB_UNKNOWN: "blob unknown to registry",
    BLOB_UPLOAD_INVALID: "blob upload invalid",
    BLOB_UPLOAD_UNKNOWN: "blob upload unknown to registry",
    DENIED: "requested access to the resource is denied",
    DIGEST_INVALID: "provided digest did not match uploaded content",
    MANIFEST_BLOB_UNKNOWN: "blob unknown to registry",
    MANIFEST_INVALID: "manifest invalid",
    MANIFEST_UNKNOWN: "manifest unknown",
    NAME_INVALID: "invalid repository name",
    NAME_UNKNOWN: "repository name not known to registry",
    SIZE_INVALID: "provided length did not match content length",
    TAG_INVALID: "manifest tag did not match URI",
    UNAUTHORIZED: "authentication required",
    UNSUPPORTED: "The operation is unsupported.",
    UNKNOWN: "unknown error",
  },
  notFound: () => ({
    status: 404,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" },
    body: "404 page not found\n",
  }),
  basicRealm: "Registry Realm",
  tagsPagination: false,
  catalogDefaultPageSize: 100,
  emptyTagsAsNull: true,
  monolithicPost: false,
  deleteByTag: { status: 400, error: { code: "DIGEST_INVALID" } },
  deleteEnabled: true,
  negotiateManifest: negotiate282,
};

/** registry/handlers/manifests.go of distribution 2.8.2. */
function negotiate282(ctx: NegotiationContext): NegotiationResult {
  const { accept } = ctx;
  let { manifest, digest } = ctx;
  if (manifest.mediaType === MEDIA_TYPES.oci.manifest && !accept.has(MEDIA_TYPES.oci.manifest)) {
    return notFound("OCI manifest found, but accept header does not support OCI manifests");
  }
  if (manifest.mediaType === MEDIA_TYPES.oci.index && !accept.has(MEDIA_TYPES.oci.index)) {
    return notFound("OCI index found, but accept header does not support OCI indexes");
  }
  if (ctx.byTag && manifest.mediaType === MEDIA_TYPES.docker.index && !accept.has(MEDIA_TYPES.docker.index)) {
    // An old client asked for a manifest list by tag: distribution serves the linux/amd64 image instead.
    const list = JSON.parse(manifest.bytes.toString("utf8")) as {
      manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
    };
    const child = list.manifests?.find(
      (m) => m.platform?.architecture === "amd64" && m.platform.os === "linux",
    );
    if (!child) return { status: 404, error: { code: "MANIFEST_UNKNOWN" } };
    const found = ctx.lookup(child.digest);
    if (!found) {
      return {
        status: 404,
        error: { code: "MANIFEST_UNKNOWN", detail: { Name: ctx.repository, Revision: child.digest } },
      };
    }
    digest = child.digest;
    manifest = { bytes: Buffer.from(found.bytes), mediaType: found.mediaType };
  }
  if (manifest.mediaType === MEDIA_TYPES.docker.manifest && !accept.has(MEDIA_TYPES.docker.manifest)) {
    // distribution 2.8.2 rewrites the manifest as a signed schema 1 (prettyjws) document with another digest.
    // The fake does not sign schema 1; it fails loudly so a client that forgot its Accept header is caught.
    return {
      status: 400,
      error: {
        code: "MANIFEST_INVALID",
        detail: {
          "regatta-testkit": "distribution 2.8.2 would answer a schema 1 rewrite here: send an Accept header",
        },
      },
    };
  }
  return { digest, manifest };
}

function notFound(message: string): NegotiationResult {
  return { status: 404, error: { code: "MANIFEST_UNKNOWN", message } };
}

/**
 * msw handlers reproducing CNCF distribution 2.8.2: ping, catalog, tags, manifests and blobs (GET/HEAD/PUT/
 * DELETE), uploads (POST/PATCH/PUT/GET/DELETE, cross-repo mount), Basic or bearer auth, and the exact error bodies
 * (`MANIFEST_UNKNOWN` "manifest unknown", `NAME_UNKNOWN` "repository name not known to registry",
 * `BLOB_UNKNOWN` "blob unknown to registry", …). Serve them with {@link createMswDispatcher} or
 * {@link serveHandlers}.
 *
 * @example
 * const handlers = distributionHandlers({
 *   host: "registry.test",
 *   repos: { "demo/app": fakeRepository({ v1: await generateImage() }) },
 * });
 * const dispatcher = createMswDispatcher(handlers);
 */
export function distributionHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(distributionFlavour, options);
}
