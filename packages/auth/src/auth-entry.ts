import { CredentialsError, quotePath } from "@regatta/errors";
import type { Credential } from "./types.js";

/**
 * One entry of the `auths` map shared by docker's config.json and containers auth.json
 * (https://github.com/docker/cli/blob/master/cli/config/types/authconfig.go, containers-auth.json(5)).
 */
export interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}

/**
 * Turns an `auths` entry into a {@link Credential}, or undefined when it holds nothing (docker writes `{}` entries
 * when a credential store keeps the secret). `auth` is base64 of `user:password`, split at the FIRST colon because
 * a password may contain colons but a username may not (docker's `decodeAuth`); it wins over `username`/`password`,
 * as in docker. Errors name the file and key, never the content.
 */
export function credentialFromAuthEntry(entry: unknown, file: string, key: string): Credential | undefined {
  if (entry === undefined || entry === null) return undefined;
  // A malformed entry was skipped before, and the command went on anonymously (exit 0, or a 401 that blamed no file);
  // docker refuses to read such a file at all. Refused here, for the registry asked only, naming the field, not its
  // value.
  if (typeof entry !== "object" || Array.isArray(entry)) {
    throw new CredentialsError(`the "auths" entry for "${key}" in ${quotePath(file)} is not an object`, {
      hint: "log in again to rewrite it, or remove the entry",
    });
  }
  const e = entry as AuthEntry;
  for (const field of ["auth", "username", "password", "identitytoken", "registrytoken"] as const) {
    if (e[field] !== undefined && e[field] !== null && typeof e[field] !== "string") {
      throw new CredentialsError(
        `"${field}" of the "auths" entry for "${key}" in ${quotePath(file)} is not a string`,
        {
          hint: "log in again to rewrite it, or remove the field",
        },
      );
    }
  }
  const credential: Credential = {};
  if (typeof e.username === "string" && e.username) credential.username = e.username;
  if (typeof e.password === "string" && e.password) credential.password = e.password;
  if (typeof e.auth === "string" && e.auth) {
    const decoded = decodeBase64(e.auth);
    // Stryker disable next-line UnaryOperator: an undefined decoding is refused by the next line whatever colon is.
    const colon = decoded?.indexOf(":") ?? -1;
    // Stryker disable next-line ConditionalExpression: colon is -1 when decoded is undefined, so `colon <= 0` refuses it too.
    if (decoded === undefined || colon <= 0) {
      throw new CredentialsError(`invalid "auth" value for "${key}" in ${quotePath(file)}`, {
        hint: 'it must be base64 of "username:password"; log in again to rewrite it',
      });
    }
    credential.username = decoded.slice(0, colon);
    credential.password = decoded.slice(colon + 1);
  }
  if (typeof e.identitytoken === "string" && e.identitytoken) credential.identityToken = e.identitytoken;
  if (typeof e.registrytoken === "string" && e.registrytoken) credential.registryToken = e.registrytoken;
  return Object.keys(credential).length ? credential : undefined;
}

function decodeBase64(text: string): string | undefined {
  const trimmed = text.trim();
  // Buffer.from ignores invalid characters silently; check the alphabet first so garbage is reported.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(trimmed)) return undefined;
  return Buffer.from(trimmed, "base64").toString("utf8");
}
