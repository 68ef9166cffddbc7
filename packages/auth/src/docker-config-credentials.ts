import { homedir } from "node:os";
import { join } from "node:path";
import { quoteText } from "@regatta/errors";
import { normalizeRegistry } from "@regatta/reference";
import { credentialFromAuthEntry } from "./auth-entry.js";
import { credentialFromHelper, type HelperRunner, spawnCredentialHelper } from "./credential-helper.js";
import { fromSource } from "./credential-source.js";
import { objectEntries, readJsonFile } from "./read-json-file.js";
import type { CredentialProvider } from "./types.js";

/** Environment variables, as `process.env`. */
export type Env = Record<string, string | undefined>;

/** Options of {@link dockerConfigCredentials}. */
export interface DockerConfigOptions {
  /** The directory holding config.json; default `$DOCKER_CONFIG`, else `<home>/.docker`. */
  configDir?: string;
  /** Environment to read `DOCKER_CONFIG`, `HOME` and `PATH` from; default `process.env`. */
  env?: Env;
  /** Home directory; default `env.HOME`/`env.USERPROFILE`, else `os.homedir()`. */
  homeDir?: string;
  /** Runs `docker-credential-<name> get`; default spawns the program found on `env.PATH`. */
  runHelper?: HelperRunner;
}

/** The home directory from an injected environment, falling back to the OS. */
export function homeDirOf(env: Env, homeDir?: string): string {
  return homeDir ?? env.HOME ?? env.USERPROFILE ?? homedir();
}

/** The config.json docker reads: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(options: DockerConfigOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? env.DOCKER_CONFIG ?? join(homeDirOf(env, options.homeDir), ".docker");
  return join(dir, "config.json");
}

/**
 * Credentials from docker's config.json, looked up as the docker CLI does
 * (https://docs.docker.com/reference/cli/docker/login/#credential-stores):
 *
 * 1. `credHelpers[registry]`: `docker-credential-<name> get`;
 * 2. `credsStore`: `docker-credential-<name> get`;
 * 3. `auths[registry]`: `auth` (base64 `user:password`), `username`/`password`, `identitytoken`, `registrytoken`.
 *
 * Each step that answers "not found" falls through to the next (docker stops at the helper; falling through lets an
 * old `auths` entry still work). Keys match by normalised host, so `https://index.docker.io/v1/` is Docker Hub and
 * `https://host/`, `http://host` and `host/v2/` all mean `host`; an exact key wins over a normalised one. The file
 * is read on every call so a `docker login` made during a long session is seen. A missing file answers undefined.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const run = options.runHelper ?? spawnCredentialHelper({ env });
  return {
    async get(registry) {
      const file = dockerConfigPath(options);
      const config = await readJsonFile(file);
      if (!config) return undefined;
      const host = normalizeRegistry(registry);
      // The environment variable that chose the file, for where-it-came-from (credential-source.ts).
      const chosen = options.configDir === undefined && env.DOCKER_CONFIG ? { env: "DOCKER_CONFIG" } : {};

      const helpers = objectEntries(config.credHelpers);
      const helper = findByHost(helpers, registry, host);
      if (typeof helper?.[1] === "string" && helper[1]) {
        const credential = await credentialFromHelper(helper[1], host, run);
        const entry = `credHelpers[${quoteText(helper[0])}]`;
        if (credential)
          return fromSource(credential, {
            kind: "helper",
            helper: helper[1],
            file,
            format,
            entry,
            ...chosen,
          });
      }
      if (typeof config.credsStore === "string" && config.credsStore) {
        const credential = await credentialFromHelper(config.credsStore, host, run);
        if (credential)
          return fromSource(credential, {
            kind: "helper",
            helper: config.credsStore,
            file,
            format,
            entry: "credsStore",
            ...chosen,
          });
      }
      // Several keys may name one host (`docker.io` and `https://index.docker.io/v1/`); the first that holds a
      // credential answers, an exact key first.
      for (const [key, value] of matchingHost(objectEntries(config.auths), registry, host)) {
        const credential = credentialFromAuthEntry(value, file, key);
        if (credential) return fromSource(credential, { kind: "auths", file, format, key, ...chosen });
      }
      return undefined;
    },
  };
}

const format = "docker-config";

/** Entries whose key is exactly `registry`, then those whose normalised host is `host`. */
function matchingHost(entries: [string, unknown][], registry: string, host: string): [string, unknown][] {
  const exact = entries.filter(([k]) => k === registry);
  return [...exact, ...entries.filter((e) => !exact.includes(e) && normalizeRegistry(e[0]) === host)];
}

function findByHost(
  entries: [string, unknown][],
  registry: string,
  host: string,
): [string, unknown] | undefined {
  return matchingHost(entries, registry, host)[0];
}
