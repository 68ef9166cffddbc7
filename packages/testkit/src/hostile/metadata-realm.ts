import { type HostileBehaviour, resolveSelf, type SelfRelative, sendJson } from "./types.js";

/** Options of `metadata-realm`. */
export interface MetadataRealmOptions {
  /** The token realm every challenge names, e.g. `http://[::ffff:169.254.169.254]/latest/meta-data/`. */
  realm: SelfRelative;
}

/**
 * Every request is answered 401 with a Bearer challenge whose realm points at a cloud metadata service, so a client
 * that trusts the realm sends the user's Basic credentials (and its own request) there.
 */
export const metadataRealm: HostileBehaviour<MetadataRealmOptions> = (options) => (_req, res, ctx) => {
  const realm = resolveSelf(options.realm, ctx.self);
  sendJson(
    res,
    401,
    { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
    { "www-authenticate": `Bearer realm="${realm}",service="hostile"` },
  );
};
