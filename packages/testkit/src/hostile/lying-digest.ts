import { createHash } from "node:crypto";
import { type HostileBehaviour, notFound } from "./types.js";

/** Options of `lying-digest`. */
export interface LyingDigestOptions {
  /** The manifest served for every `/v2/<name>/manifests/<reference>`, tag or digest alike. */
  manifest: { bytes: Uint8Array; mediaType: string };
  /**
   * The `Docker-Content-Digest` sent on HEAD and GET: a digest (a lie, unless it is the manifest's), `"served"` for
   * the true digest of the bytes served (a consistent lie when those bytes are not what was asked for), or `null` to
   * send none. Default: a digest of nothing the registry holds.
   */
  digest?: string | "served" | null;
  /** Send the lie on HEAD only (GET tells the truth), as a cache or proxy answering HEADs on its own may. */
  headOnly?: boolean;
}

/** The digest a lying registry claims by default: sha256 of "lie", which no manifest has. */
export const LIE_DIGEST = `sha256:${createHash("sha256").update("lie").digest("hex")}`;

/**
 * Every manifest request (HEAD or GET, by tag or by any digest) is answered with one manifest and a
 * `Docker-Content-Digest` that is not its digest, or with other content under a digest asked for. A client that
 * trusts the header prints (or deletes, or skips copying) the wrong thing.
 */
export const lyingDigest: HostileBehaviour<LyingDigestOptions> = (options) => (req, res, ctx) => {
  if (ctx.url.pathname === "/v2/") {
    res.writeHead(200, { "docker-distribution-api-version": "registry/2.0", "content-length": "0" }).end();
    return;
  }
  if (!/^\/v2\/.+\/manifests\/[^/]+$/.test(ctx.url.pathname)) {
    notFound(res);
    return;
  }
  const bytes = Buffer.from(options.manifest.bytes);
  const truth = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const claim =
    options.digest === undefined ? LIE_DIGEST : options.digest === "served" ? truth : options.digest;
  const sent = options.headOnly && req.method !== "HEAD" ? truth : claim;
  res.writeHead(200, {
    "content-type": options.manifest.mediaType,
    "content-length": String(bytes.length),
    "docker-distribution-api-version": "registry/2.0",
    ...(sent ? { "docker-content-digest": sent } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : bytes);
};
