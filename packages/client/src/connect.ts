import {
  type AuthDescription,
  anonymous,
  type CredentialProvider,
  chainCredentials,
  createAuthenticator,
  defaultCredentials,
  type StaticCredential,
  staticCredentials,
} from "@regatta/auth";
import { AuthenticationError, AuthorizationError, ProtocolError, UsageError } from "@regatta/errors";
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from "@regatta/manifest";
import { DEFAULT_REGISTRY, parseRegistry } from "@regatta/reference";
import { Transport, type TransportOptions } from "@regatta/transport";
import type { ConnectOptions } from "./connect-options.js";
import { type ClientContext, withClientSignal } from "./context.js";
import { RegistryClient } from "./registry-client.js";

/**
 * Builds a client for `registry` (a host such as `ghcr.io`, `localhost:5000`, or a URL such as
 * `https://registry.example`; default Docker Hub) without contacting it.
 */
export function createClient(
  registry: string = DEFAULT_REGISTRY,
  options: ConnectOptions = {},
): RegistryClient {
  const target = parseRegistry(registry);
  if (options.password !== undefined && options.username === undefined) {
    throw new UsageError("a password was given without a username");
  }
  if (options.anonymous && (options.username || options.identityToken || options.registryToken)) {
    throw new UsageError("anonymous access and credentials were both given; choose one");
  }
  const insecure = new Set(Array.isArray(options.insecure) ? options.insecure : []);
  // An explicit http:// URL is the user saying this registry speaks plain http.
  if (options.insecure === true || target.scheme === "http") insecure.add(target.registry);

  const transportOptions: TransportOptions = {
    insecureRegistries: [...insecure],
    // connect 10 s, idle 30 s, request 60 s unless given (see @regatta/transport's timeouts.ts).
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.tlsSkipVerify ? { tlsSkipVerify: true } : {}),
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  };
  const transport = new Transport(transportOptions);
  const authenticator = createAuthenticator({
    credentials: credentialsFor(target.registry, options),
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
    if (hasExplicitCredentials(options)) await checkCredentials(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/** Whether `options` name credentials for the connected registry itself (not the docker config's). */
export function hasExplicitCredentials(options: ConnectOptions): boolean {
  return (
    !options.anonymous &&
    (options.username !== undefined || Boolean(options.identityToken) || Boolean(options.registryToken))
  );
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
      path: "/v2/",
      scopes: [],
      context: `check the credentials for ${registry}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await response.dump();
  } catch (error) {
    if (error instanceof AuthenticationError || error instanceof AuthorizationError) {
      const who = client.whoami(registry).username;
      const Kind = error instanceof AuthorizationError ? AuthorizationError : AuthenticationError;
      throw new Kind(
        `${registry} refused the credentials${who ? ` of ${who}` : ""}${error.status ? ` (HTTP ${error.status})` : ""}`,
        {
          code: error.code,
          ...(error.status !== undefined ? { status: error.status } : {}),
          // The authenticator refuses Basic credentials itself (a second 401), before a request summary exists.
          request: error.request ?? { method: "GET", url: new URL("/v2/", client.url).href },
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
 * Explicit credentials apply to the connected registry only; every registry also gets the standard lookup
 * (auth.json, docker config with its credential helpers, then anonymous), unless `credentials` replaces it.
 */
function credentialsFor(registry: string, options: ConnectOptions): CredentialProvider {
  if (options.anonymous) return anonymous();
  const explicit = explicitCredential(options);
  const perHost = Object.entries(options.registryCredentials ?? {}).map(([host, credential]) =>
    staticCredentials(credential, parseRegistry(host).registry),
  );
  const given = [...(explicit ? [staticCredentials(explicit, registry)] : []), ...perHost];
  const own = given.length > 1 ? chainCredentials(...given) : given[0];
  if (options.credentials) return own ? chainCredentials(own, options.credentials) : options.credentials;
  return defaultCredentials(options.env ?? process.env, own ? { explicit: own } : {});
}

function explicitCredential(options: ConnectOptions): StaticCredential | undefined {
  if (options.username !== undefined) {
    if (options.password === undefined)
      throw new UsageError(`a username (${options.username}) was given without a password`);
    return { username: options.username, password: options.password };
  }
  if (options.identityToken) return { identityToken: options.identityToken };
  if (options.registryToken) return { registryToken: options.registryToken };
  return undefined;
}
