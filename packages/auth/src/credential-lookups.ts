import { CredentialsError, type SecretSet } from "@regatta/errors";
import { credentialSource, describeCredentialSource } from "./credential-source.js";
import type { Credential, CredentialProvider, Scope } from "./types.js";
import { unsendableTokenReason } from "./unsendable-token.js";

/**
 * Credentials looked up once per registry and repository and remembered, so a credential helper runs once per
 * repository rather than once per request. Every secret a credential carries joins the client's secret set, so
 * errors and logs built from a server's answer are scrubbed of it. A registry token is sent as it is
 * (`Bearer <registryToken>`), so one that cannot go in a header is refused here, naming where it came from, rather
 * than by undici as the request is sent (reported as an unreachable registry).
 */
export class CredentialLookups {
  readonly #provider: CredentialProvider | undefined;
  readonly #secrets: SecretSet;
  readonly #lookups = new Map<string, Promise<Credential | undefined>>();

  constructor(provider: CredentialProvider | undefined, secrets: SecretSet) {
    this.#provider = provider;
    this.#secrets = secrets;
  }

  /** The credential for a registry and the first repository among the scopes; undefined without a provider. */
  async get(registry: string, scopes: readonly Scope[]): Promise<Credential | undefined> {
    if (!this.#provider) return undefined;
    const repository = scopes.find((s) => s.type === "repository")?.name;
    // Stryker disable next-line StringLiteral: any constant keys "no repository" alike; repository names are never empty.
    const key = `${registry}\u0000${repository ?? ""}`;
    let lookup = this.#lookups.get(key);
    if (!lookup) {
      lookup = this.#provider.get(registry, repository);
      this.#lookups.set(key, lookup);
      // A failed lookup (a helper that crashed) is tried again next time rather than remembered.
      lookup.catch(() => this.#lookups.delete(key));
    }
    const credential = await lookup;
    if (credential) {
      this.#secrets.addBasic(credential.username, credential.password);
      this.#secrets.add(credential.identityToken).add(credential.registryToken);
      const unsendable =
        credential.registryToken === undefined ? undefined : unsendableTokenReason(credential.registryToken);
      if (unsendable) {
        throw new CredentialsError(
          `the registry token for ${registry} cannot be sent in an Authorization header: ${unsendable}; it came from ${describeCredentialSource(credentialSource(credential))}`,
          { code: "INVALID_REGISTRY_TOKEN" },
        );
      }
    }
    return credential;
  }
}
