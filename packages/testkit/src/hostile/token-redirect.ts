import { type HostileBehaviour, resolveSelf, type SelfRelative, sendJson } from "./types.js";

/** Options of `token-redirect`. */
export interface TokenRedirectOptions {
  /** Where `/token` redirects, e.g. `http://169.254.169.254/latest/meta-data/iam/`. */
  location: SelfRelative;
  /** The redirect status; default 302. */
  status?: 301 | 302 | 303 | 307 | 308;
}

/**
 * The registry's realm is its own `/token`, which is fine, but `/token` redirects elsewhere: a client that follows
 * with the Basic credentials hands them to whoever the registry named.
 */
export const tokenRedirect: HostileBehaviour<TokenRedirectOptions> = (options) => (_req, res, ctx) => {
  if (ctx.url.pathname === "/token") {
    res.writeHead(options.status ?? 302, { location: resolveSelf(options.location, ctx.self) });
    res.end();
    return;
  }
  sendJson(
    res,
    401,
    { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
    { "www-authenticate": `Bearer realm="${new URL("/token", ctx.self)}",service="hostile"` },
  );
};
