import { join } from "node:path";
import { quoteText } from "@regatta/errors";
import { normalizeRegistry } from "@regatta/reference";
import { credentialFromAuthEntry } from "./auth-entry.js";
import { credentialFromHelper, type HelperRunner, spawnCredentialHelper } from "./credential-helper.js";
import { fromSource } from "./credential-source.js";
import { type Env, homeDirOf } from "./docker-config-credentials.js";
import { objectEntries, readJsonFile } from "./read-json-file.js";
import type { CredentialProvider } from "./types.js";

/** Options of {@link podmanAuthFileCredentials}. */
export interface PodmanAuthFileOptions {
  /** Read only these files, in order, instead of the default search list. */
  files?: string[];
  /** Environment to read `REGISTRY_AUTH_FILE`, `XDG_RUNTIME_DIR`, `XDG_CONFIG_HOME`, `HOME`, `PATH` from. */
  env?: Env;
  /** Home directory; default `env.HOME`, else `os.homedir()`. */
  homeDir?: string;
  /** Runs `docker-credential-<name> get` for `credHelpers` entries; default spawns the real program. */
  runHelper?: HelperRunner;
}

/**
 * The auth.json files containers tools read, in order (containers-auth.json(5),
 * https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md): `$REGISTRY_AUTH_FILE` if set, else
 * `$XDG_RUNTIME_DIR/containers/auth.json`; then `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`. (The man page
 * continues with docker's config.json, which {@link dockerConfigCredentials} covers.)
 */
export function podmanAuthFiles(options: PodmanAuthFileOptions = {}): string[] {
  if (options.files) return options.files;
  const env = options.env ?? process.env;
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  else if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  const configHome = env.XDG_CONFIG_HOME || join(homeDirOf(env, options.homeDir), ".config");
  files.push(join(configHome, "containers", "auth.json"));
  return files;
}

/**
 * Credentials from containers auth.json files (podman, buildah, skopeo). Unlike docker's config, a key may name a
 * namespace or repository (`quay.io/org/image`); the longest key that is the registry or a path prefix of
 * `registry/repository` wins, then the bare host. `credHelpers[registry]` is honoured as in docker's config. Files
 * are searched in {@link podmanAuthFiles} order until one answers.
 */
export function podmanAuthFileCredentials(options: PodmanAuthFileOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const run = options.runHelper ?? spawnCredentialHelper({ env });
  return {
    async get(registry, repository) {
      const host = normalizeRegistry(registry);
      const target = repository ? `${host}/${repository}` : host;
      for (const file of podmanAuthFiles(options)) {
        const config = await readJsonFile(file);
        if (!config) continue;
        const chosen = options.files ? {} : chosenBy(file, env);
        for (const [key, value] of rankKeys(objectEntries(config.auths), host, target)) {
          const credential = credentialFromAuthEntry(value, file, key);
          if (credential) return fromSource(credential, { kind: "auths", file, format, key, ...chosen });
        }
        const named = objectEntries(config.credHelpers).find(([k]) => normalizeRegistry(k) === host);
        const helper = named?.[1];
        if (typeof helper === "string" && helper) {
          const credential = await credentialFromHelper(helper, host, run);
          const entry = `credHelpers[${quoteText(named![0])}]`;
          if (credential)
            return fromSource(credential, { kind: "helper", helper, file, format, entry, ...chosen });
        }
      }
      return undefined;
    },
  };
}

const format = "containers-auth";

/** The environment variable that put `file` on the {@link podmanAuthFiles} list, if one did. */
function chosenBy(file: string, env: Env): { env?: string } {
  if (env.REGISTRY_AUTH_FILE && file === env.REGISTRY_AUTH_FILE) return { env: "REGISTRY_AUTH_FILE" };
  if (env.XDG_RUNTIME_DIR && file === join(env.XDG_RUNTIME_DIR, "containers", "auth.json"))
    return { env: "XDG_RUNTIME_DIR" };
  if (env.XDG_CONFIG_HOME && file === join(env.XDG_CONFIG_HOME, "containers", "auth.json"))
    return { env: "XDG_CONFIG_HOME" };
  return {};
}

/**
 * Keys that apply to `target` (`host/namespace/repo`), most specific first. Keys written docker-style with a
 * scheme (`https://host/v1/`) are treated as host-only, as containers/image does for legacy entries.
 */
function rankKeys(entries: [string, unknown][], host: string, target: string): [string, unknown][] {
  // Stryker disable next-line ArrayDeclaration: a stray element has no key and no value, and an absent entry is skipped as empty.
  const ranked: { key: string; value: unknown; length: number }[] = [];
  for (const [key, value] of entries) {
    const normalized = normalizeAuthFileKey(key);
    // Stryker disable next-line ConditionalExpression: target is host or starts with "host/", so the first two tests already match a host-only key.
    if (normalized === target || target.startsWith(`${normalized}/`) || normalized === host) {
      ranked.push({ key, value, length: normalized.length });
    }
  }
  return ranked.sort((a, b) => b.length - a.length).map((r) => [r.key, r.value]);
}

/**
 * An auth.json key as `host[/path]`: a docker-style key with a scheme (`https://host/v1/`) is host-only, a bare
 * key keeps its path (a namespace or repository).
 */
export function normalizeAuthFileKey(key: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key)) return normalizeRegistry(key);
  const slash = key.indexOf("/");
  // Stryker disable next-line ConditionalExpression,MethodExpression: normalizeRegistry drops everything from the first slash itself.
  const host = normalizeRegistry(slash === -1 ? key : key.slice(0, slash));
  const path = slash === -1 ? "" : key.slice(slash).replace(/\/+$/, "");
  return host + path;
}
