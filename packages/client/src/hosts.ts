/**
 * Per-host settings (`hosts`), as regclient's `config/host.go` keeps them: credentials, TLS mode, CA, client
 * certificate, connections, upload chunk size, request rate and mirrors, per registry. They come from three places, most specific first: the options given to
 * `connect` (`hosts`, and the older options that are shorthands for it), the Regatta config file
 * (`$XDG_CONFIG_HOME/regatta/config.json`), and the docker config's credentials (read by @regatta/auth as before).
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { StaticCredential } from "@regatta/auth";
import { quotePath, UsageError } from "@regatta/errors";
import { MAX_PEM_FILE_BYTES, readUserFileSync } from "@regatta/errors/user-file";
import { isLoopbackRegistry, parseRegistry } from "@regatta/reference";
import type { RegistryHostOptions } from "@regatta/transport";

/** How a registry is spoken to. */
export type HostTls =
  /** https with the certificate verified (the default for every registry but loopback ones). */
  | "enabled"
  /** https without verifying the certificate (docker's `--tls-verify=false`). */
  | "insecure"
  /** plain http (docker's insecure-registries). */
  | "disabled";

/** The settings of one registry. Every field is optional; what is absent comes from a less specific place. */
export interface HostSettings {
  /** Username; needs `password`. */
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`). */
  identityToken?: string;
  /** A bearer token sent as is. */
  registryToken?: string;
  /** `enabled` (https, verified), `insecure` (https, not verified) or `disabled` (plain http). Default: https,
   * verified, except loopback registries, which are spoken to over http. */
  tls?: HostTls;
  /** Extra CA certificates (PEM) trusted for this registry, in addition to Node's bundle. */
  ca?: string | Buffer;
  /**
   * How a refusal of `ca` (no PEM certificate in it, or one that does not parse) names it: the file it was read from
   * (the config file's `caFile` sets it). Default: the registry's origin. Goes with `ca`: a more specific `ca` drops it.
   */
  caName?: string;
  /** Client certificate (PEM) for mutual TLS; needs `clientKey`. Only this registry's origin ever sees it. */
  clientCert?: string | Buffer;
  /** Private key (PEM) of `clientCert`. */
  clientKey?: string | Buffer;
  /** Connections to this registry, so requests in flight to it at once (default 8). */
  concurrency?: number;
  /**
   * Upload blobs to this registry in `PATCH` chunks of this many bytes (raised to the registry's
   * `OCI-Chunk-Min-Length`), for registries or proxies that cap a request's size. A call's own `chunkSize` comes
   * first. Default: one streamed request per blob.
   */
  chunkSize?: number;
  /** Requests a second to this registry, at most (fractions allowed: `0.5` is one every 2 s). Default: no limit. */
  requestRate?: number;
  /**
   * Registries (`host[:port]`) asked first, in order, for this registry's content, the registry itself last (as
   * docker's `registry-mirrors` and containerd's `hosts.toml` mirrors). Only reads go to a mirror: manifests by tag
   * or digest (GET and HEAD) and blob downloads; tag lists, the catalog, referrers and every write go to this
   * registry. A mirror that fails, lacks the content or serves bytes that do not match their digest hands over to
   * the next. A mirror's own settings and credentials are `hosts[mirror]`; this registry's are never sent to it.
   */
  mirrors?: string[];
}

/** Per-host settings by registry (`registry.example:5000`, `ghcr.io`, `docker.io`). */
export type Hosts = Record<string, HostSettings>;

const CREDENTIAL_FIELDS = ["username", "password", "identityToken", "registryToken"] as const;
const CERT_FIELDS = ["clientCert", "clientKey"] as const;
const STRING_FIELDS = ["username", "password", "identityToken", "registryToken", "caName"] as const;
const PEM_FIELDS = ["ca", "clientCert", "clientKey"] as const;
/** The config file's names for PEM files, beside the inline PEM fields of {@link HostSettings}. */
/** Far more than any hosts config. */
const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
const FILE_FIELDS = { caFile: "ca", certFile: "clientCert", keyFile: "clientKey" } as const;
const TLS_MODES: readonly string[] = ["enabled", "insecure", "disabled"];

/** `$XDG_CONFIG_HOME/regatta/config.json`, else `~/.config/regatta/config.json`. */
export function regattaConfigPath(env: Record<string, string | undefined>): string {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "regatta", "config.json");
}

/**
 * The `hosts` of the Regatta config file, keys normalised, `caFile`/`certFile`/`keyFile` read (relative paths from
 * the file's directory). No file: no hosts. A file that is not JSON, or a field of the wrong type or name, is a
 * UsageError naming the file and the field, never the value (it may be a secret). JSON only: no YAML parser is a
 * dependency of Regatta, and one is not worth adding for this file.
 */
export function readConfigHosts(env: Record<string, string | undefined>): Map<string, HostSettings> {
  const path = regattaConfigPath(env);
  // The file named in a message: a name with control characters in it is shown escaped (quotePath).
  const shown = quotePath(path);
  // Read as every file a user names is: a FIFO or a directory at the name is refused at once, never waited on.
  const text = readUserFileSync(path, { maxBytes: MAX_CONFIG_FILE_BYTES, missingIsUndefined: true });
  if (text === undefined) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.toString("utf8"));
  } catch (error) {
    // The message of a JSON syntax error quotes the text around it, which may be a password: not passed on.
    throw new UsageError(`${shown} is not valid JSON`, {
      cause: error instanceof SyntaxError ? undefined : error,
    });
  }
  if (!isObject(parsed)) throw new UsageError(`${shown} must hold a JSON object`);
  const { hosts = {}, ...rest } = parsed;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw new UsageError(`${shown}: unknown setting "${unknown}" (expected "hosts")`);
  if (!isObject(hosts)) throw new UsageError(`${shown}: "hosts" must be an object of registries`);
  const read: Hosts = {};
  for (const [host, value] of Object.entries(hosts)) {
    const where = `${shown}: hosts["${host}"]`;
    if (!isObject(value)) throw new UsageError(`${where} must be an object`);
    const settings: Record<string, unknown> = { ...value };
    for (const [fileField, field] of Object.entries(FILE_FIELDS)) {
      const file = settings[fileField];
      if (file === undefined) continue;
      if (typeof file !== "string") throw new UsageError(`${where}.${fileField} must be a file path`);
      if (settings[field] !== undefined) throw new UsageError(`${where} has both ${field} and ${fileField}`);
      const at = resolve(dirname(path), file);
      settings[field] = readPem(at, `${where}.${fileField}`);
      // A CA that holds no certificate is refused later, by the transport: named as a file that cannot be read is.
      if (field === "ca") settings.caName = `${where}.${fileField} ${quotePath(at)}`;
      delete settings[fileField];
    }
    read[host] = settings as HostSettings;
  }
  return normalizeHosts(read, shown);
}

function readPem(path: string, where: string): Buffer {
  return readUserFileSync(path, { name: where, maxBytes: MAX_PEM_FILE_BYTES });
}

/**
 * Checks each host's settings and keys them by registry as references name it (`index.docker.io` and
 * `registry-1.docker.io` are `docker.io`). Two keys naming one registry are refused, as are unknown fields and
 * values of the wrong type; `where` names the source in the message.
 */
export function normalizeHosts(hosts: Hosts, where = "hosts"): Map<string, HostSettings> {
  const normalized = new Map<string, HostSettings>();
  const keyOf = new Map<string, string>();
  for (const [key, settings] of Object.entries(hosts)) {
    const registry = parseRegistry(key).registry;
    const earlier = keyOf.get(registry);
    if (earlier !== undefined) {
      throw new UsageError(
        `${where}: "${earlier}" and "${key}" name the same registry (${registry}); merge them`,
      );
    }
    keyOf.set(registry, key);
    normalized.set(
      registry,
      checkMirrors(registry, checkHost(settings, `${where}["${key}"]`), `${where}["${key}"]`),
    );
  }
  return normalized;
}

function checkHost(settings: unknown, where: string): HostSettings {
  if (!isObject(settings)) throw new UsageError(`${where} must be an object`);
  for (const [field, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const ok = (STRING_FIELDS as readonly string[]).includes(field)
      ? typeof value === "string"
      : (PEM_FIELDS as readonly string[]).includes(field)
        ? typeof value === "string" || Buffer.isBuffer(value)
        : field === "tls"
          ? TLS_MODES.includes(value as string)
          : field === "concurrency" || field === "chunkSize"
            ? Number.isInteger(value) && (value as number) > 0
            : field === "requestRate"
              ? typeof value === "number" && value > 0 && Number.isFinite(value)
              : field === "mirrors"
                ? Array.isArray(value) && value.every((m) => typeof m === "string")
                : undefined;
    if (ok === undefined) throw new UsageError(`${where}: unknown setting "${field}"`);
    if (!ok) throw new UsageError(`${where}.${field}: ${expected(field)}`);
  }
  const s = settings as HostSettings;
  if ((s.clientCert === undefined) !== (s.clientKey === undefined)) {
    throw new UsageError(`${where}: a client certificate needs both clientCert and clientKey`);
  }
  if (s.password !== undefined && s.username === undefined) {
    throw new UsageError(`${where}: a password was given without a username`);
  }
  return s;
}

/**
 * The mirrors of `registry`, each normalised as a `hosts` key is (`index.docker.io` is `docker.io`). A mirror that
 * is the registry itself, or that is not a registry name, is refused: the first would only ask the host twice.
 */
function checkMirrors(registry: string, settings: HostSettings, where: string): HostSettings {
  if (!settings.mirrors) return settings;
  const mirrors = settings.mirrors.map((mirror, i) => {
    let name: string;
    try {
      name = parseRegistry(mirror).registry;
    } catch (error) {
      // What is wrong with it (a port out of range, a bad character) is said, not only what was expected.
      const why = error instanceof Error ? `: ${error.message}` : "";
      throw new UsageError(`${where}.mirrors[${i}]: expected a registry name (host[:port])${why}`, {
        cause: error,
      });
    }
    if (name === registry)
      throw new UsageError(`${where}.mirrors[${i}]: a registry cannot be its own mirror`);
    return name;
  });
  return { ...settings, mirrors };
}

function expected(field: string): string {
  if (field === "tls") return `expected one of ${TLS_MODES.join(", ")}`;
  if (field === "concurrency") return "expected a positive whole number";
  if (field === "chunkSize") return "expected a positive whole number of bytes";
  if (field === "requestRate") return "expected a positive number of requests a second";
  if (field === "mirrors") return "expected a list of registry names";
  return (PEM_FIELDS as readonly string[]).includes(field) ? "expected PEM text" : "expected a string";
}

/**
 * `higher` over `lower`, field by field, except that credentials and the client certificate are taken whole from
 * the more specific side: a username from one place and a password from another would name no one.
 */
export function mergeHost(lower: HostSettings, higher: HostSettings): HostSettings {
  const merged: Record<string, unknown> = { ...lower };
  for (const group of [CREDENTIAL_FIELDS, CERT_FIELDS]) {
    if (group.some((f) => higher[f] !== undefined)) for (const f of group) delete merged[f];
  }
  // The name of the file a CA was read from is not the name of another CA's bytes.
  if (higher.ca !== undefined) delete merged.caName;
  for (const [field, value] of Object.entries(higher)) if (value !== undefined) merged[field] = value;
  return merged as HostSettings;
}

/** Layers of hosts, least specific first, merged into one map. */
export function layerHosts(...layers: ReadonlyMap<string, HostSettings>[]): Map<string, HostSettings> {
  const merged = new Map<string, HostSettings>();
  for (const layer of layers) {
    for (const [registry, settings] of layer) {
      merged.set(registry, mergeHost(merged.get(registry) ?? {}, settings));
    }
  }
  return merged;
}

/**
 * Two `hosts` maps as one, keys normalised, `higher` over `lower` host by host (see {@link mergeHost}): for an app
 * that adds settings of its own (a copy's source credentials) to those its user gave. Undefined when both are.
 */
export function mergeHosts(lower: Hosts | undefined, higher: Hosts | undefined): Hosts | undefined {
  if (!lower && !higher) return undefined;
  return Object.fromEntries(layerHosts(normalizeHosts(lower ?? {}), normalizeHosts(higher ?? {})));
}

/** The credential a host's settings name, if any (a username comes first, then an identity token, then a token). */
export function hostCredential(registry: string, settings: HostSettings): StaticCredential | undefined {
  if (settings.username !== undefined) {
    if (settings.password === undefined) {
      throw new UsageError(`a username (${settings.username}) was given without a password for ${registry}`);
    }
    return { username: settings.username, password: settings.password };
  }
  if (settings.identityToken) return { identityToken: settings.identityToken };
  if (settings.registryToken) return { registryToken: settings.registryToken };
  return undefined;
}

/**
 * What the transport takes of a host's settings: scheme, TLS, connections and request rate. `insecure` on a loopback
 * registry pins no scheme: such a registry is spoken to over http until its port says it serves https (the transport's
 * https-port.ts), then over https unverified, as skopeo's `--tls-verify=false` ("https unverified, or plain http").
 */
export function transportHost(settings: HostSettings, registry?: string): RegistryHostOptions | undefined {
  const pinsNoScheme = settings.tls === "insecure" && registry !== undefined && isLoopbackRegistry(registry);
  const own: RegistryHostOptions = {
    ...(settings.tls && !pinsNoScheme ? { scheme: settings.tls === "disabled" ? "http" : "https" } : {}),
    ...(settings.tls && settings.tls !== "disabled" ? { tlsSkipVerify: settings.tls === "insecure" } : {}),
    ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
    ...(settings.ca !== undefined && settings.caName !== undefined ? { caName: settings.caName } : {}),
    ...(settings.clientCert !== undefined ? { cert: settings.clientCert } : {}),
    ...(settings.clientKey !== undefined ? { key: settings.clientKey } : {}),
    ...(settings.concurrency !== undefined ? { connections: settings.concurrency } : {}),
    ...(settings.requestRate !== undefined ? { requestRate: settings.requestRate } : {}),
  };
  return Object.keys(own).length ? own : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
