import { AuthenticationError, redactUrl } from "@regatta/errors";
import { forbiddenAddress, type LoopbackTrust, loopbackAddress } from "./address-policy.js";

/**
 * Checks the realm of a Bearer challenge before any credential is sent to it. A registry (or anyone able to rewrite
 * its answers) chooses the realm, so a realm on plain HTTP would hand the password to the network; go-containerregistry
 * validates it for the same reason (`validateRealmURL` in pkg/v1/remote/transport/bearer.go).
 *
 * - the realm must be an absolute `https:` URL, or `http:` when `allowHttp` (a plain-HTTP registry on loopback, or
 *   one the caller marked insecure); given as a function, it is asked about the realm's own host too: a loopback
 *   registry naming `http://192.0.2.2/token` must not send the password across the network in clear;
 * - it must not carry userinfo, and must not be a link-local or cloud metadata address in any spelling
 *   ({@link forbiddenAddress}).
 */
export function validateRealm(
  realm: string,
  registry: string,
  allowHttp: boolean | ((realmHost: string) => boolean),
): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw refuse(registry, "the realm is not an absolute URL", realm);
  }
  // The address, not the text (address-policy.ts): `[::ffff:a9fe:a9fe]` is 169.254.169.254. A realm given as a
  // name is checked again on every address it resolves to when the token request connects.
  const why = forbiddenAddress(url.hostname);
  if (why) throw forbiddenRealm(registry, `the realm is ${why}`, realm);
  if (url.protocol === "http:") {
    const allowed = typeof allowHttp === "function" ? allowHttp(url.host) : allowHttp;
    if (!allowed) throw refuse(registry, "the realm uses plain http", realm);
  } else if (url.protocol !== "https:") {
    throw refuse(registry, `the realm scheme ${url.protocol} is not http(s)`, realm);
  }
  if (url.username || url.password) throw refuse(registry, "the realm URL carries userinfo", realm);
  return url;
}

/**
 * Refuses a realm on this machine (a loopback address in any spelling, address-policy.ts) named by a registry that
 * is not on this machine: the token protocol would send the user's Basic credentials to whatever listens there (a
 * Docker daemon on 127.0.0.1:2375, an admin port). A registry on this machine may name one: a token server next to
 * a registry on 127.0.0.1 is the usual development setup. A realm given as a name that resolves to loopback is
 * refused by the transport when it connects, by the same rule.
 */
export async function refuseLoopbackRealm(
  realm: URL,
  registry: string,
  loopback: LoopbackTrust,
): Promise<void> {
  if (!loopbackAddress(realm.hostname)) return;
  if (await loopback.onThisMachine(registry)) return;
  throw forbiddenRealm(
    registry,
    `the realm is a loopback address on this machine, and registry ${registry} is not on this machine`,
    realm.href,
  );
}

/**
 * The refusal of a realm at a forbidden address, given as an address (here) or as a name that resolves to one (the
 * transport refuses it at connect time, token-fetch.ts): one class, `INVALID_REALM`, however the address is spelt.
 */
export function forbiddenRealm(
  registry: string,
  why: string,
  realm: string,
  options: { cause?: unknown } = {},
): AuthenticationError {
  return refuse(
    registry,
    why,
    realm,
    "a registry may not send credentials there; if it is yours, fix its token realm (auth.token.realm)",
    options,
  );
}

function refuse(
  registry: string,
  why: string,
  realm: string,
  hint = "credentials are only sent to an https token endpoint",
  options: { cause?: unknown } = {},
): AuthenticationError {
  return new AuthenticationError(
    `refusing the token realm ${redactUrl(realm)} of registry ${registry}: ${why}`,
    {
      code: "INVALID_REALM",
      request: { method: "GET", url: redactUrl(realm) },
      hint,
      ...options,
    },
  );
}
