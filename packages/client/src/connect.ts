import {
  type AuthDescription,
  anonymous,
  type CredentialProvider,
  chainCredentials,
  createAuthenticator,
  defaultCredentials,
  staticCredentials,
  storedCredentials,
} from "@regatta/auth";
import {
  AuthenticationError,
  AuthorizationError,
  notRegistrySuccess,
  ProtocolError,
  UsageError,
} from "@regatta/errors";
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from "@regatta/manifest";
import { DEFAULT_REGISTRY, parseRegistry } from "@regatta/reference";
import { EVERY_REGISTRY, Transport, type TransportOptions } from "@regatta/transport";
import { checkConnectOptions } from "./call-arguments.js";
import type { ConnectOptions } from "./connect-options.js";
import { type ClientContext, withClientSignal } from "./context.js";
import {
  type HostSettings,
  hostCredential,
  layerHosts,
  normalizeHosts,
  readConfigHosts,
  transportHost,
} from "./hosts.js";
import { API_ROOT } from "./registry-api/paths.js";
import { RegistryClient } from "./registry-client.js";

/**
 * Builds a client for `registry` (a host such as `ghcr.io`, `localhost:5000`, or a URL such as
 * `https://registry.example`; default Docker Hub) without contacting it.
 */
export function createClient(
  registry: string = DEFAULT_REGISTRY,
  options: ConnectOptions = {},
): RegistryClient {
  checkConnectOptions(registry, options);
  const target = parseRegistry(registry);
  if (options.password !== undefined && options.username === undefined) {
    throw new UsageError("a password was given without a username");
  }
  if (options.anonymous && hasExplicitCredentials({ ...options, anonymous: false }, target.registry)) {
    throw new UsageError("anonymous access and credentials were both given; choose one");
  }
  const env = options.env ?? process.env;
  const hosts = hostsFor(target.registry, target.scheme, options, env);
  const transportHosts = Object.fromEntries(
    [...hosts].flatMap(([host, settings]) => {
      const own = transportHost(settings, host);
      return own ? [[host, own]] : [];
    }),
  );

  const transportOptions: TransportOptions = {
    // The list goes to the transport as is, which matches its entries as docker does (base-url.ts `isInsecure`).
    // `insecure: true` lists every registry the client is asked about (the connected one, a copy's other end), as
    // docker's insecure-registries does: https unverified first, plain http when no TLS answers (transport
    // scheme-fallback.ts); never pinned. Not a token realm's or a redirect's host: only registries named in calls.
    insecureRegistries: Array.isArray(options.insecure)
      ? options.insecure
      : options.insecure === true
        ? [EVERY_REGISTRY]
        : [],
    ...(Object.keys(transportHosts).length ? { hosts: transportHosts } : {}),
    // connect 10 s, idle 30 s, request 60 s unless given (see @regatta/transport's timeouts.ts).
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.caName !== undefined ? { caName: options.caName } : {}),
    ...(options.tlsSkipVerify ? { tlsSkipVerify: true } : {}),
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.notice ? { notice: options.notice } : {}),
    ...(options.har ? { har: options.har } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  };
  const transport = new Transport(transportOptions);
  // Credentials the caller handed over are secrets from the first byte: a server that echoes them before they are
  // first sent (in a Basic realm, say) is scrubbed from -v and HAR too, not only once the authenticator used them.
  for (const settings of hosts.values()) {
    transport.secrets.addBasic(settings.username, settings.password);
    transport.secrets.add(settings.identityToken).add(settings.registryToken);
  }
  if (options.password !== undefined) transport.secrets.addBasic(options.username, options.password);
  // So are the passwords and tokens the credential files hold (the default lookup reads them lazily, per registry,
  // and a server may echo one first); credential helpers' answers join when first looked up.
  if (!options.anonymous && !options.credentials) {
    for (const stored of storedCredentials({ env })) {
      transport.secrets.addBasic(stored.username, stored.password);
      transport.secrets.add(stored.identityToken).add(stored.registryToken);
    }
  }
  const authenticator = createAuthenticator({
    credentials: credentialsFor(hosts, options, env),
    send: transport.authSend,
    // One secret registry per client: what the authenticator sends, the transport scrubs from errors and logs.
    secrets: transport.secrets,
    // A token realm over plain http may only receive credentials when the registry itself is spoken to over http.
    allowHttpRealm: (registry: string) => transport.allowsHttp(registry),
    ...(options.logger ? { log: options.logger } : {}),
  });
  transport.setAuthenticator(authenticator);

  const ctx: ClientContext = {
    transport,
    authenticator,
    defaultRegistry: target.registry,
    concurrency: Math.max(1, options.concurrency ?? 8),
    chunkSizes: new Map(
      [...hosts].flatMap(([host, { chunkSize }]) => (chunkSize !== undefined ? [[host, chunkSize]] : [])),
    ),
    mirrors: new Map([...hosts].flatMap(([host, { mirrors }]) => (mirrors?.length ? [[host, mirrors]] : []))),
    platform: formatPlatform(
      normalizePlatform(options.platform ? parsePlatform(options.platform) : hostPlatform()),
    ),
    ...(options.pagination ? { pagination: options.pagination } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return new RegistryClient(ctx);
}

/**
 * Connects to a registry: builds the client and pings `/v2/`, so that a host that does not speak the Registry v2
 * API, cannot be reached, or refuses the credentials fails here with a typed error rather than on the first call.
 *
 * ```ts
 * const reg = await connect("https://registry.example", { username, password });
 * const { tags } = await reg.tags("team/api");
 * ```
 */
export async function connect(registry?: string, options: ConnectOptions = {}): Promise<RegistryClient> {
  const client = createClient(registry, options);
  if (options.ping === false) return client;
  try {
    const ping = await client.ping();
    if (ping.status !== 200 && ping.status !== 401) {
      throw new ProtocolError(
        `${client.url} does not look like a container registry: GET /v2/ answered ${ping.status} (a registry answers 200 or 401)`,
      );
    }
    // Credentials given here are checked now, as the doc above promises: without this a wrong password surfaced
    // only on the first call that needed it, far from where it was typed (issue 10, item 15).
    if (hasExplicitCredentials(options, client.ctx.defaultRegistry)) await checkCredentials(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/**
 * Whether `options` name credentials for the connected registry itself (`registry`, when given, also finds them in
 * `hosts`), not the config files'.
 */
export function hasExplicitCredentials(options: ConnectOptions, registry?: string): boolean {
  if (options.anonymous) return false;
  if (options.username !== undefined || options.identityToken || options.registryToken) return true;
  if (registry === undefined || !options.hosts) return false;
  const own = normalizeHosts(options.hosts).get(parseRegistry(registry).registry);
  return own !== undefined && hostCredential(registry, own) !== undefined;
}

/**
 * Checks that the client's registry accepts its credentials, the way `docker login` does: an authenticated
 * `GET /v2/`. On a Basic registry that sends the username and password; on a token registry it fetches a token
 * for no scope (https://distribution.github.io/distribution/spec/auth/token/ — a token server authenticates the
 * client before it looks at scopes) and presents it. A registry that asks for no credentials answers 200 at once
 * and nothing is sent. Rejects with an {@link AuthenticationError} (401) or {@link AuthorizationError} (403) naming
 * the registry and what to do; resolves with how the client now authenticates.
 */
export async function checkCredentials(
  client: RegistryClient,
  given: { signal?: AbortSignal } = {},
): Promise<AuthDescription> {
  const { transport, defaultRegistry: registry } = client.ctx;
  const options = withClientSignal(client.ctx, given) ?? given;
  // The ping teaches the authenticator the challenge, so the check below carries credentials from the start.
  await client.ping(registry, options);
  try {
    const response = await transport.request({
      registry,
      method: "GET",
      path: API_ROOT,
      scopes: [],
      context: `check the credentials for ${registry}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // A web server or a login portal answering 200 with a page would "accept" any password; the other commands
    // already refuse such a host, and a login must not save a password for it.
    const foreign = notRegistrySuccess({
      method: "GET",
      url: response.url,
      status: response.status,
      headers: response.headers,
      body: await response.text(65_536).catch(() => ""),
      context: `check the credentials for ${registry}`,
    });
    if (foreign) throw foreign;
  } catch (error) {
    if (
      (error instanceof AuthenticationError || error instanceof AuthorizationError) &&
      refusedByRegistry(error)
    ) {
      const who = client.whoami(registry).username;
      const Kind = error instanceof AuthorizationError ? AuthorizationError : AuthenticationError;
      throw new Kind(
        `${registry} refused the credentials${who ? ` of ${who}` : ""}${error.status ? ` (HTTP ${error.status})` : ""}`,
        {
          code: error.code,
          ...(error.status !== undefined ? { status: error.status } : {}),
          // The authenticator refuses Basic credentials itself (a second 401), before a request summary exists.
          request: error.request ?? { method: "GET", url: new URL(API_ROOT, client.url).href },
          errors: error.errors,
          hint:
            Kind === AuthorizationError
              ? "the registry knows the account but does not let it in; use another account"
              : "check the username and password (or token) and try again",
          cause: error,
        },
      );
    }
    throw error;
  }
  return client.whoami(registry);
}

/**
 * Every host's settings, most specific last: the Regatta config file, the shorthand options, then `hosts`. The config
 * file's credentials are left out when `credentials` replaces the default lookup, or with `anonymous`.
 */
function hostsFor(
  registry: string,
  scheme: string | undefined,
  options: ConnectOptions,
  env: Record<string, string | undefined>,
): Map<string, HostSettings> {
  const file = readConfigHosts(env);
  if (options.credentials || options.anonymous) {
    for (const [host, { username, password, identityToken, registryToken, ...rest }] of file)
      file.set(host, rest);
  }
  const shorthands = normalizeHosts(
    Object.fromEntries(Object.entries(options.registryCredentials ?? {}).map(([h, c]) => [h, { ...c }])),
    "registryCredentials",
  );
  const own: HostSettings = {
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.identityToken ? { identityToken: options.identityToken } : {}),
    ...(options.registryToken ? { registryToken: options.registryToken } : {}),
    // An explicit http:// URL is the user saying this registry speaks plain http, and an explicit https:// URL that
    // it speaks TLS, loopback included (where Regatta would otherwise try plain http first, as docker does).
    ...(scheme === "https"
      ? { tls: "enabled" as const }
      : scheme === "http"
        ? { tls: "disabled" as const }
        : {}),
  };
  const connected = new Map([[registry, own]]);
  return layerHosts(file, shorthands, connected, normalizeHosts(options.hosts ?? {}));
}

/**
 * Whether an auth error is the registry refusing the credentials, not the client refusing to send them (a token realm
 * it will not trust: `INVALID_REALM`, `FORBIDDEN_ADDRESS`) or another origin answering (a redirect's target, which got
 * none): only then does "REGISTRY refused the credentials of USER" say what happened.
 */
function refusedByRegistry(error: AuthenticationError | AuthorizationError): boolean {
  return !["INVALID_REALM", "FORBIDDEN_ADDRESS", "FOREIGN_CHALLENGE"].includes(error.code);
}

/**
 * Each host's credentials (from `hosts`, its shorthands and the Regatta config file) apply to that registry only;
 * every registry also gets the standard lookup (auth.json, docker config with its credential helpers, then
 * anonymous), unless `credentials` replaces it.
 */
function credentialsFor(
  hosts: ReadonlyMap<string, HostSettings>,
  options: ConnectOptions,
  env: Record<string, string | undefined>,
): CredentialProvider {
  if (options.anonymous) return anonymous();
  const given = [...hosts].flatMap(([registry, settings]) => {
    const credential = hostCredential(registry, settings);
    return credential ? [staticCredentials(credential, registry)] : [];
  });
  const own = given.length > 1 ? chainCredentials(...given) : given[0];
  if (options.credentials) return own ? chainCredentials(own, options.credentials) : options.credentials;
  return defaultCredentials(env, own ? { explicit: own } : {});
}
