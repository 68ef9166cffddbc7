import { normalizeRegistry } from "@regatta/reference";
import { fromSource } from "./credential-source.js";
import type { Credential, CredentialProvider } from "./types.js";

/** A fixed credential: a username and password, an identity (refresh) token, or a registry token. */
export type StaticCredential =
  | { username: string; password: string }
  | { identityToken: string }
  | { registryToken: string };

/**
 * A provider that answers a fixed credential (`--username/--password`, `--identity-token`, `--registry-token`),
 * for every registry, or only for `forRegistry` (matched by normalised host, so `index.docker.io` is `docker.io`).
 * The value is copied so later changes to the caller's object are not seen.
 */
export function staticCredentials(credential: StaticCredential, forRegistry?: string): CredentialProvider {
  const copy: Credential = { ...credential };
  const only = forRegistry === undefined ? undefined : normalizeRegistry(forRegistry);
  return {
    async get(registry) {
      if (only !== undefined && normalizeRegistry(registry) !== only) return undefined;
      return fromSource({ ...copy }, { kind: "explicit" });
    },
  };
}

/**
 * A provider that answers "anonymous" (an empty credential) for every registry. Because it answers, it ends a
 * {@link chainCredentials} chain: put it first to force anonymous access (`--anonymous`), last as the default.
 */
export function anonymous(): CredentialProvider {
  return {
    async get() {
      return fromSource({}, { kind: "anonymous" });
    },
  };
}

/** Whether a credential carries nothing usable (anonymous). */
export function isAnonymous(credential: Credential | undefined): boolean {
  return (
    !credential ||
    (!credential.registryToken && !credential.identityToken && !(credential.username && credential.password))
  );
}
