import { quotePath, quoteText } from "@regatta/errors";
import type { Credential } from "./types.js";

/**
 * Where a credential came from, for `regatta auth explain` and error hints: the file and key, or the helper, that
 * answered — never the secret. Recorded by the provider that resolved the credential (one home: the lookup
 * itself), read back with {@link credentialSource}.
 */
export type CredentialSource =
  /** Given to the client itself: `connect({ username, password })`, the CLI's `-u`/`--password`, `registryCredentials`. */
  | { kind: "explicit" }
  /** An `auths[key]` entry of a docker config.json or a containers auth.json. */
  | { kind: "auths"; file: string; format: CredentialFileFormat; key: string; env?: string }
  /**
   * A credential helper (`docker-credential-<helper> get`), named by `credHelpers[key]` or by `credsStore` of
   * `file`. `env` (here and for `auths`) names the environment variable that chose the file, when one did
   * (`DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`, `XDG_RUNTIME_DIR`, `XDG_CONFIG_HOME`).
   */
  | {
      kind: "helper";
      helper: string;
      file: string;
      format: CredentialFileFormat;
      entry: string;
      env?: string;
    }
  /** The lookup found nothing, or anonymous access was asked for (`--anonymous`). */
  | { kind: "anonymous" };

/** Which kind of credential file: docker's `config.json` or containers' `auth.json` (podman, skopeo, buildah). */
export type CredentialFileFormat = "docker-config" | "containers-auth";

/**
 * Sources by credential object. A side table rather than a field, so a credential stays the plain value its
 * providers and their tests compare, and spreading one (`{ ...credential }`) never copies a stale source.
 */
const sources = new WeakMap<Credential, CredentialSource>();

/** Records where `credential` came from and returns it (for `return fromSource(credential, …)`). */
export function fromSource<C extends Credential | undefined>(credential: C, source: CredentialSource): C {
  if (credential) sources.set(credential, source);
  return credential;
}

/** Where `credential` came from; `anonymous` for none, undefined when a custom provider did not say. */
export function credentialSource(credential: Credential | undefined): CredentialSource | undefined {
  if (!credential) return { kind: "anonymous" };
  return sources.get(credential);
}

/** One line naming the source: `auths["localhost:5000"] in /home/me/.docker/config.json`, never a secret. */
export function describeCredentialSource(source: CredentialSource | undefined): string {
  if (!source) return "a credential provider given to the client (it does not say where it looked)";
  switch (source.kind) {
    case "explicit":
      return "given to the client explicitly (the command line's -u/--password, or connect() options)";
    case "auths":
      return `auths[${quoteText(source.key)}] in ${quotePath(source.file)} (${fileName(source)})`;
    case "helper":
      return `credential helper docker-credential-${source.helper}, named by ${source.entry} in ${quotePath(source.file)} (${fileName(source)})`;
    default:
      return "none found: anonymous";
  }
}

function fileName(source: { format: CredentialFileFormat; env?: string }): string {
  const name = source.format === "docker-config" ? "docker config" : "containers auth.json";
  return source.env ? `${name}, chosen by $${source.env}` : name;
}
