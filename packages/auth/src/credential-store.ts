import { randomBytes } from "node:crypto";
import { chmod, realpath, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CredentialsError, quotePath, quoteText, shellWord } from "@regatta/errors";
import { makeDirectories } from "@regatta/errors/make-directories";
import { lockDestination, lockPathOf } from "@regatta/errors/write-lock";
import { isValidRepositoryPath, normalizeRegistry } from "@regatta/reference";
import {
  type HelperRunner,
  helperErase,
  helperServerUrl,
  helperStore,
  spawnCredentialHelper,
} from "./credential-helper.js";
import { dockerConfigPath, type Env } from "./docker-config-credentials.js";
import { normalizeAuthFileKey, podmanAuthFiles } from "./podman-auth-file-credentials.js";
import { objectEntries, readJsonFile } from "./read-json-file.js";

/** Options of {@link storeCredential} and {@link eraseCredential}: which file, and how helpers run. */
export interface CredentialStoreOptions {
  /**
   * A containers auth.json to write (podman's `--authfile`). Without it, `env.REGISTRY_AUTH_FILE` when set, else
   * docker's config.json (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).
   */
  authFile?: string;
  /** Environment to read `REGISTRY_AUTH_FILE`, `DOCKER_CONFIG`, `HOME` and `PATH` from; default `process.env`. */
  env?: Env;
  /** Home directory; default `env.HOME`, else `os.homedir()`. */
  homeDir?: string;
  /** Runs `docker-credential-<name> store|erase`; default spawns the program found on `env.PATH`. */
  runHelper?: HelperRunner;
  /**
   * How long to wait for the file's lock while another process holds it (another login, or a lock a process on
   * another host, or a live process that reused a dead holder's pid, left): default 30 s, then a CredentialsError
   * naming the lock file and how to remove it when stale.
   */
  lockTimeoutMs?: number;
  /** Told once when the wait for the lock has lasted a second: the lock file and the pid it names, to say so. */
  onLockWait?: (wait: { lockFile: string; holder: number }) => void;
}

/** The default bound of the wait for a credentials file's lock. */
export const CREDENTIAL_LOCK_TIMEOUT_MS = 30_000;
/** A lock held this long is said (`onLockWait`): two logins at once wait a few milliseconds, silently. */
const LOCK_NOTICE_MS = 1_000;

/** Where a credential was written or erased. */
export interface CredentialLocation {
  /** The file holding (or that held) the entry. */
  file: string;
  /** `docker` for docker's config.json, `containers` for a containers auth.json. */
  format: "docker" | "containers";
  /** The key of the entry in `auths`: `https://index.docker.io/v1/` for Docker Hub in docker's config, else the host. */
  key: string;
  /** The credential helper (`docker-credential-<helper>`) that keeps the secret, when one is configured. */
  helper?: string;
}

/** The file {@link storeCredential} writes, and its format. */
export function credentialStoreFile(
  options: CredentialStoreOptions = {},
): Pick<CredentialLocation, "file" | "format"> {
  const env = options.env ?? process.env;
  const authFile = options.authFile ?? (env.REGISTRY_AUTH_FILE || undefined);
  if (authFile !== undefined) return { file: authFile, format: "containers" };
  return {
    file: dockerConfigPath({ env, ...(options.homeDir !== undefined ? { homeDir: options.homeDir } : {}) }),
    format: "docker",
  };
}

/**
 * The file a login for `registry` writes, and the `auths` key it writes there, as the tool owning the format does:
 * docker keeps Docker Hub under its legacy v1 URL (https://github.com/docker/cli/blob/master/cli/command/registry/login.go),
 * containers/image under `docker.io` (containers-auth.json(5)); any other registry is its bare host.
 *
 * `registry` may name a namespace (`host/team`, as `podman login host/team`): a containers auth.json keeps it under
 * that key, which its readers (and Regatta's lookup) take for that namespace before the host's. docker's config.json
 * has keys per host only (`docker login` takes a host, and its readers look a host up): there the namespace is refused
 * with a {@link CredentialsError} rather than the login widened silently to the whole host. A URL with a scheme
 * (`https://index.docker.io/v1/`) is docker's way of writing a host; its path is not a namespace.
 */
export function credentialStoreEntry(
  registry: string,
  options: CredentialStoreOptions = {},
  action: "login" | "logout" = "login",
): Pick<CredentialLocation, "file" | "format" | "key"> {
  const { file, format } = credentialStoreFile(options);
  const host = normalizeRegistry(registry);
  const key = normalizeAuthFileKey(registry.trim());
  if (key === host) return { file, format, key: format === "docker" ? helperServerUrl(host) : host };
  const path = key.slice(host.length + 1);
  if (!isValidRepositoryPath(path)) {
    throw new CredentialsError(
      `cannot ${action === "login" ? "log in to" : "log out of"} ${quoteText(registry)}: ${quoteText(path)} is not a repository namespace`,
      {
        hint: `give a host (${host}), or a host and a namespace of lowercase path components (${host}/team)`,
      },
    );
  }
  if (format === "docker") {
    throw new CredentialsError(
      `cannot keep a login for the namespace ${key} in ${quotePath(file)}: docker's config.json keeps one login per host`,
      {
        hint: `log in to ${host} for the whole host, or keep the namespace's login in a containers auth.json (--authfile FILE, or REGISTRY_AUTH_FILE), whose keys may name a namespace`,
      },
    );
  }
  return { file, format, key };
}

/**
 * Saves a username and password for `registry` where `docker login` (or `podman login --authfile`) would:
 *
 * - docker's config.json: through `credHelpers[registry]`, else `credsStore`, when configured (the helper's `store`
 *   verb, https://github.com/docker/docker-credential-helpers#development), leaving an empty `auths` entry as docker's
 *   native store does; otherwise in `auths[key].auth`, base64 of `user:password`;
 * - a containers auth.json: through `credHelpers[registry]` when configured (as containers/image does), otherwise in
 *   `auths[key].auth`.
 *
 * Other `auths` keys naming the same host (`https://host/`, `docker.io` beside docker's v1 URL) are removed: the
 * readers take an exact key first, so a stale alias would shadow the new login. Every other key of the file is kept.
 * The file is written atomically (a temporary file in the same directory, renamed over it) with mode 0600, through a
 * symbolic link to where it points. The credentials are not checked here: the caller checks them against the registry
 * first (see the client's `checkCredentials`).
 */
export async function storeCredential(
  registry: string,
  credential: { username: string; password: string },
  options: CredentialStoreOptions = {},
): Promise<CredentialLocation> {
  if (!credential.username || credential.username.includes(":")) {
    // base64 of `user:password` is split at the first colon by every reader (docker's decodeAuth).
    throw new CredentialsError("a username is needed, and it may not contain a colon");
  }
  const { file, format, key } = credentialStoreEntry(registry, options);
  return underLock(file, options, async () => {
    const config = (await readJsonFile(file)) ?? {};
    const helper = configuredHelper(config, registry, format);
    if (helper !== undefined && namesNamespace(key, format))
      refuseNamespaceHelper(helper, registry, key, file);
    const auths = withoutEntry(config.auths, registry, key, format);
    if (helper !== undefined) {
      await helperStore(helper, registry, credential, runnerOf(options));
      // docker's native store writes an entry without secrets so `docker logout` and listings know the host; a
      // containers auth.json keeps none (its readers would ask auths before the helper).
      if (format === "docker") auths[key] = {};
    } else {
      auths[key] = {
        auth: Buffer.from(`${credential.username}:${credential.password}`, "utf8").toString("base64"),
      };
    }
    await writeJsonAtomically(file, { ...config, auths });
    return { file, format, key, ...(helper !== undefined ? { helper } : {}) };
  });
}

/**
 * Removes `registry`'s credential, as `docker logout` does: erased from the configured helper (its `erase` verb), and
 * every `auths` key naming the host removed from the file. Answers whether anything was there to remove, and where.
 * A file that does not exist is left so; one that does is rewritten only when an entry was removed.
 */
export async function eraseCredential(
  registry: string,
  options: CredentialStoreOptions = {},
): Promise<CredentialLocation & { removed: boolean }> {
  const { file, format, key } = credentialStoreEntry(registry, options, "logout");
  return underLock(file, options, async () => {
    const config = await readJsonFile(file);
    if (!config) return { file, format, key, removed: false };
    // A namespace's login is its `auths` entry only: the host's helper holds the host's login, which stays.
    const helper = namesNamespace(key, format) ? undefined : configuredHelper(config, registry, format);
    const erased = helper !== undefined ? await helperErase(helper, registry, runnerOf(options)) : false;
    const before = objectEntries(config.auths).length;
    const auths = withoutEntry(config.auths, registry, key, format);
    const removedEntry = Object.keys(auths).length !== before;
    if (removedEntry) await writeJsonAtomically(file, { ...config, auths });
    // The helper is named only when it held the secret: one that had none ("not found") leaves the file as the place.
    return {
      file,
      format,
      key,
      removed: erased || removedEntry,
      ...(erased && helper !== undefined ? { helper } : {}),
    };
  });
}

/**
 * Runs a read-modify-write of a credentials file holding its lock (`.NAME.regatta-lock` beside the file it names,
 * through a symbolic link), as pulls hold theirs: two logins at once each rewrote the file from what they had read,
 * and one of them was lost (16 parallel logins kept 6 entries). A lock left by a dead process is taken over; one a
 * live process (or another host's) holds is waited for, said after a second, and given up after `lockTimeoutMs`: a
 * login waited for ever, silently, on a lock a process elsewhere had left.
 */
async function underLock<T>(
  file: string,
  options: Pick<CredentialStoreOptions, "lockTimeoutMs" | "onLockWait">,
  update: () => Promise<T>,
): Promise<T> {
  const target = await realpath(file).catch(() => file);
  // The directory first, 0700 as docker makes it (the lock would make it with the umask's mode).
  await makeDirectories(dirname(target), 0o700).catch((cause: unknown) => {
    throw writeError(target, cause);
  });
  const limit = options.lockTimeoutMs ?? CREDENTIAL_LOCK_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(limit);
  // Whom it waits for: the lock's holder, or a process taking over a dead holder's lock (its claim file). Said once
  // the wait has lasted a second, and at once whenever it changes after that.
  let waited: { lockFile: string; holder: number } | undefined;
  let said = false;
  let notice: NodeJS.Timeout | undefined;
  const lock = await lockDestination(target, {
    signal: timeout,
    onWait: (holder, lockFile) => {
      waited = { lockFile, holder };
      if (said) options.onLockWait?.(waited);
      else
        notice ??= setTimeout(() => {
          said = true;
          if (waited) options.onLockWait?.(waited);
        }, LOCK_NOTICE_MS);
    },
    lockError: (cause, lockPath) =>
      new CredentialsError(
        `cannot lock ${quotePath(lockPath)} to update ${quotePath(file)} (${String((cause as { code?: unknown })?.code ?? "error")})`,
        {
          hint: "check the permissions of the file's directory",
        },
      ),
  })
    .catch((error: unknown) => {
      if (!timeout.aborted) throw error;
      const lockFile = waited?.lockFile ?? lockPathOf(target);
      const holder = waited?.holder;
      const who = holder !== undefined ? `process ${holder}` : "another process";
      throw new CredentialsError(
        `gave up after ${limit / 1000} s waiting for the lock ${quotePath(lockFile)}: ${who} holds it to update ${quotePath(file)}`,
        {
          code: "CREDENTIALS_LOCKED",
          hint: `${holder !== undefined ? `if process ${holder} is not a regatta login or logout on this host` : "if no regatta login or logout is running"}, the lock is stale: remove it (rm ${shellWord(lockFile)}) and try again`,
        },
      );
    })
    .finally(() => clearTimeout(notice));
  try {
    return await update();
  } finally {
    await lock.release();
  }
}

/**
 * The files of the default lookup (`defaultCredentials`' order: the containers auth.json files, then docker's
 * config.json) that hold an `auths` entry for `registry`'s host (an auth.json's namespace keys included), other than
 * `except`. A login saved in one file is
 * shadowed by an entry in a file read before it, and a logout leaves an entry in another file working: the caller says
 * so. Only keys are looked at; no helper is run (docker's file keeps an empty entry for a login a helper holds).
 */
export async function otherCredentialFiles(
  registry: string,
  except: string,
  options: Omit<CredentialStoreOptions, "authFile" | "runHelper"> = {},
): Promise<{ file: string; format: CredentialLocation["format"] }[]> {
  const env = options.env ?? process.env;
  const homeDir = options.homeDir !== undefined ? { homeDir: options.homeDir } : {};
  const files = [
    ...podmanAuthFiles({ env, ...homeDir }).map((file) => ({ file, format: "containers" as const })),
    { file: dockerConfigPath({ env, ...homeDir }), format: "docker" as const },
  ];
  const host = normalizeRegistry(registry);
  const found: { file: string; format: CredentialLocation["format"] }[] = [];
  for (const candidate of files) {
    if (candidate.file === except || found.some((f) => f.file === candidate.file)) continue;
    // An unreadable file is the lookup's business to report; here it holds nothing we can name.
    const config = await readJsonFile(candidate.file).catch(() => undefined);
    if (!config) continue;
    const keys = objectEntries(config.auths).map(([key]) =>
      candidate.format === "docker" ? normalizeRegistry(key) : normalizeAuthFileKey(key),
    );
    if (keys.some((key) => key === host || key.startsWith(`${host}/`))) found.push(candidate);
  }
  return found;
}

function runnerOf(options: CredentialStoreOptions): HelperRunner {
  return options.runHelper ?? spawnCredentialHelper({ env: options.env ?? process.env });
}

/**
 * The helper that keeps `registry`'s secret: `credHelpers[registry]`, then (docker's config only) `credsStore`,
 * the order the readers use.
 */
function configuredHelper(
  config: Record<string, unknown>,
  registry: string,
  format: CredentialLocation["format"],
): string | undefined {
  const host = normalizeRegistry(registry);
  const helper = objectEntries(config.credHelpers).find(([k]) => normalizeRegistry(k) === host)?.[1];
  if (typeof helper === "string" && helper) return helper;
  if (format === "docker" && typeof config.credsStore === "string" && config.credsStore)
    return config.credsStore;
  return undefined;
}

/**
 * `auths` without the keys naming the entry `key` (see {@link credentialStoreEntry}). In docker's config every key
 * naming the host (`https://host/`, `docker.io` beside the v1 URL). In a containers auth.json the keys normalising to
 * `key`: for a host its bare and docker-style spellings, while a key with a path (`quay.io/org`) names a namespace, a
 * login of its own, and is kept; for a namespace that namespace's key only.
 */
function withoutEntry(
  auths: unknown,
  registry: string,
  key: string,
  format: CredentialLocation["format"],
): Record<string, unknown> {
  const host = normalizeRegistry(registry);
  const same = (k: string) =>
    format === "docker" ? normalizeRegistry(k) === host : normalizeAuthFileKey(k) === key;
  return Object.fromEntries(objectEntries(auths).filter(([k]) => !same(k)));
}

/** Whether an entry's key names a namespace (`host/team`), which only a containers auth.json has. */
function namesNamespace(key: string, format: CredentialLocation["format"]): boolean {
  return format === "containers" && key.includes("/");
}

/**
 * A credential helper keeps one secret per server URL, the host (containers/image refuses a namespace for helpers
 * too): a namespace's login through one would replace the host's. Refused, with the way around it.
 */
function refuseNamespaceHelper(helper: string, registry: string, key: string, file: string): never {
  throw new CredentialsError(
    `cannot keep a login for the namespace ${key}: ${quotePath(file)} names the credential helper docker-credential-${helper} for ${normalizeRegistry(registry)}, which keeps one login per host`,
    {
      hint: `log in to ${normalizeRegistry(registry)} for the whole host, or use an auth file without credHelpers for it`,
    },
  );
}

/**
 * Writes `value` as the tools do (tab-indented JSON) to `file` so that a reader sees the old file or the new one,
 * never half of one: a temporary file with mode 0600 in the same directory (the same file system), flushed, then
 * renamed over `file`. A symbolic link is followed, so a config kept elsewhere (dotfiles) is updated where it lives.
 */
async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const target = await realpath(file).catch(() => file);
  const dir = dirname(target);
  await makeDirectories(dir, 0o700).catch((cause: unknown) => {
    throw writeError(target, cause);
  });
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(value, null, "\t")}\n`, { mode: 0o600, flag: "wx", flush: true });
    // The mode given to open() is masked by the umask; 0600 is what a credentials file must have whatever it is.
    await chmod(temp, 0o600);
    await rename(temp, target);
  } catch (cause) {
    await rm(temp, { force: true });
    throw writeError(target, cause);
  }
}

function writeError(file: string, cause: unknown): CredentialsError {
  const code = (cause as { code?: unknown })?.code;
  return new CredentialsError(`cannot write ${quotePath(file)} (${String(code ?? "error")})`, {
    hint: "check the permissions of the file and its directory",
  });
}
