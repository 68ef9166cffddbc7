import type { CredentialProvider } from "./types.js";

/**
 * Tries providers in order and answers with the first credential found (like go-containerregistry's
 * `authn.NewMultiKeychain`). An error from a provider stops the chain: a broken credential helper should be
 * reported, not silently replaced by anonymous access.
 */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return {
    async get(registry, repository) {
      for (const provider of providers) {
        const credential = await provider.get(registry, repository);
        if (credential) return credential;
      }
      return undefined;
    },
  };
}
