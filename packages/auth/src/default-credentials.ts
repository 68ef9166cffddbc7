import { chainCredentials } from "./chain-credentials.js";
import type { HelperRunner } from "./credential-helper.js";
import { dockerConfigCredentials, type Env } from "./docker-config-credentials.js";
import { podmanAuthFileCredentials } from "./podman-auth-file-credentials.js";
import { anonymous } from "./static-credentials.js";
import type { CredentialProvider } from "./types.js";

/** Options of {@link defaultCredentials}. */
export interface DefaultCredentialsOptions {
  /** Credentials given explicitly (command-line flags); asked first. */
  explicit?: CredentialProvider;
  /** Home directory; default `env.HOME`, else `os.homedir()`. */
  homeDir?: string;
  /** Runs `docker-credential-<name> get`; default spawns the real program found on `env.PATH`. */
  runHelper?: HelperRunner;
}

/**
 * The documented lookup order, first answer wins:
 *
 * 1. explicit credentials (flags), when given;
 * 2. containers auth.json: `$REGISTRY_AUTH_FILE` (else `$XDG_RUNTIME_DIR/containers/auth.json`), then
 *    `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json` — most specific key first;
 * 3. docker config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`): `credHelpers[registry]`, then
 *    `credsStore`, then `auths[registry]`;
 * 4. anonymous.
 *
 * Only the environment passed in is read, so a library embedding Regatta decides what the process environment is.
 */
export function defaultCredentials(
  env: Env = process.env,
  options: DefaultCredentialsOptions = {},
): CredentialProvider {
  const shared = {
    env,
    // Stryker disable next-line ConditionalExpression: homeDir: undefined reads as not given, as homeDirOf falls back alike.
    ...(options.homeDir !== undefined ? { homeDir: options.homeDir } : {}),
    ...(options.runHelper ? { runHelper: options.runHelper } : {}),
  };
  return chainCredentials(
    ...(options.explicit ? [options.explicit] : []),
    podmanAuthFileCredentials(shared),
    dockerConfigCredentials(shared),
    anonymous(),
  );
}
