import { credentialFromAuthEntry } from "./auth-entry.js";
import { dockerConfigPath, type Env } from "./docker-config-credentials.js";
import { podmanAuthFiles } from "./podman-auth-file-credentials.js";
import { objectEntries, readCredentialsTextSync } from "./read-json-file.js";
import type { Credential } from "./types.js";

/** Options of {@link storedCredentials}. */
export interface StoredCredentialsOptions {
  /** Environment to read `DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`, `XDG_*` and `HOME` from; default `process.env`. */
  env?: Env;
  /** Home directory; default `env.HOME`, else `os.homedir()`. */
  homeDir?: string;
}

/**
 * Every credential written in plain text in the files {@link defaultCredentials} reads (the `auths` entries of the
 * containers auth.json files and of docker's config.json), for every registry, read at once and synchronously.
 *
 * Not a lookup: a client adds these to its secret set when it is created, so that a server echoing a stored
 * password before the lazy, per-registry lookup has used it is still scrubbed from `-v`, HAR and errors (the class
 * `-u/-p` already had closed). Credential helpers are not run here: that would start a program, and perhaps a
 * keychain prompt, for registries never spoken to; their secrets join the set when first looked up. A file that
 * is missing, unreadable or malformed gives nothing here; the lookup reports it, with its name, when it matters.
 */
export function storedCredentials(options: StoredCredentialsOptions = {}): Credential[] {
  const shared = {
    env: options.env ?? process.env,
    ...(options.homeDir !== undefined ? { homeDir: options.homeDir } : {}),
  };
  const files = [...podmanAuthFiles(shared), dockerConfigPath(shared)];
  return files.flatMap((file) =>
    objectEntries(readObject(file)?.auths).flatMap(([key, entry]) => {
      try {
        const credential = credentialFromAuthEntry(entry, file, key);
        return credential ? [credential] : [];
      } catch {
        return [];
      }
    }),
  );
}

function readObject(file: string): Record<string, unknown> | undefined {
  try {
    const text = readCredentialsTextSync(file);
    if (text === undefined) return undefined;
    const json: unknown = JSON.parse(text);
    return json && typeof json === "object" && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
