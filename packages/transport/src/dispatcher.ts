/**
 * The one undici dispatcher of a Transport, built from its options when none is injected: keep-alive, no pipelining
 * (registries and object stores are plain HTTP/1.1 servers and pipelining turns one slow blob into head-of-line
 * blocking), a connection limit per origin, TLS verification on unless asked otherwise, and proxies like curl does.
 */
import { isIP } from "node:net";
import { rootCertificates } from "node:tls";
import { checkedLookup, FORBIDDEN_ADDRESS, forbiddenAddress, forbiddenAddressError } from "@regatta/auth";
import { Agent, buildConnector, Client, type Dispatcher, EnvHttpProxyAgent, Pool, ProxyAgent } from "undici";

/** The options the dispatcher is built from. */
export interface DispatcherOptions {
  /**
   * Extra CA certificates (PEM), trusted in addition to Node's bundle (like docker's certs.d): a private registry's
   * CA must not stop its blobs' redirects to a public object store from verifying.
   */
  ca?: string | Buffer;
  tlsSkipVerify?: boolean;
  proxy?: string;
  env?: Record<string, string | undefined>;
  connectTimeout: number;
  readTimeout: number;
  connections: number;
  /**
   * Origins (`http://127.0.0.1:5000`) of the registries the user named. Every other origin is a destination a server
   * chose (a token realm, a redirect, an upload Location) and is connected to only after its addresses pass the
   * address policy of @regatta/auth. Default: none trusted.
   */
  trustedOrigins?: ReadonlySet<string>;
}

/** Reads a proxy variable the way curl and undici do: lower case first, then upper case. */
function envVar(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  // Stryker disable next-line MethodExpression: undici reads the value as a WHATWG URL, which drops the same spaces.
  return value?.trim() ? value.trim() : undefined;
}

/** Builds the dispatcher: an explicit proxy, else HTTP(S)_PROXY / NO_PROXY from `env`, else a plain Agent. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const tls = {
    ...(options.ca !== undefined ? { ca: [...rootCertificates, options.ca] } : {}),
    // Verification is the default; only an explicit --tls-skip-verify turns it off.
    rejectUnauthorized: options.tlsSkipVerify !== true,
    timeout: options.connectTimeout,
  };
  const agent: Agent.Options = {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.readTimeout,
    bodyTimeout: options.readTimeout,
    connect: tls,
  };
  const trusted = options.trustedOrigins ?? new Set<string>();
  if (options.proxy) {
    // requestTls is the TLS to the registry inside the CONNECT tunnel; proxyTls the TLS to an https proxy.
    const proxy = new ProxyAgent({
      ...agent,
      uri: options.proxy,
      requestTls: tls,
      proxyTls: { timeout: options.connectTimeout },
    });
    return guardDispatcher(proxy, trusted, { resolveNames: true });
  }
  const env = options.env ?? process.env;
  const httpProxy = envVar(env, "http_proxy");
  const httpsProxy = envVar(env, "https_proxy");
  if (httpProxy || httpsProxy) {
    // Pass every value explicitly ("" for unset) so undici never falls back to process.env behind our back.
    const envProxy = new EnvHttpProxyAgent({
      ...agent,
      requestTls: tls,
      proxyTls: { timeout: options.connectTimeout },
      httpProxy: httpProxy ?? "",
      httpsProxy: httpsProxy ?? "",
      // Stryker disable next-line StringLiteral: the list Stryker writes here ("Stryker was here!") names no host anyone reaches.
      noProxy: envVar(env, "no_proxy") ?? "",
    });
    return guardDispatcher(envProxy, trusted, { resolveNames: true });
  }
  return guardDispatcher(new Agent({ ...agent, factory: guardedFactory(trusted) }), trusted);
}

/**
 * Pools of the Agent: one per origin, made when the origin is first reached. A pool for an origin the user did not
 * name connects through a connector that refuses forbidden addresses at connect time: IP literals before the socket
 * is opened (node skips `lookup` for them), names through {@link checkedLookup} on every address DNS answers, so the
 * address checked is the address connected to.
 */
function guardedFactory(trusted: ReadonlySet<string>) {
  return (origin: string | URL, opts: object): Dispatcher => {
    const options = opts as Pool.Options & { connections?: number | null };
    const key = typeof origin === "string" ? new URL(origin).origin : origin.origin;
    const make = (o: Pool.Options) =>
      options.connections === 1 ? new Client(origin, o) : new Pool(origin, o);
    if (trusted.has(key)) return make(options);
    // `connect` is the TLS options object createDispatcher gave the Agent (never a function: it is built here).
    const connector = buildConnector({
      ...(options.connect as buildConnector.BuildOptions),
      lookup: checkedLookup(),
    });
    const connect: buildConnector.connector = (connectOptions, callback) => {
      const why = forbiddenAddress(connectOptions.hostname);
      // Stryker disable next-line BlockStatement,ConditionalExpression: defence in depth, unreachable through createDispatcher: guardDispatcher in front refuses these literals before a pool is asked.
      if (why) {
        callback(forbiddenAddressError(connectOptions.hostname, connectOptions.hostname, why), null);
        return;
      }
      connector(connectOptions, callback);
    };
    return make({ ...options, connect });
  };
}

/**
 * Refuses, before anything is sent, a request to an untrusted origin whose host is a forbidden IP literal. With
 * `resolveNames`, a name is resolved first and refused when any of its addresses is forbidden: that is for proxies,
 * which resolve names themselves, so the connect-time check cannot run; the proxy may still get another DNS answer
 * than this one (a rebinding window the direct path does not have). An injected dispatcher gets the literal check
 * only: its names may not resolve at all (msw fakes).
 */
export function guardDispatcher(
  dispatcher: Dispatcher,
  trusted: ReadonlySet<string>,
  options: { resolveNames?: boolean } = {},
): Dispatcher {
  const lookup = options.resolveNames ? checkedLookup() : undefined;
  return dispatcher.compose((dispatch) => (opts, handler) => {
    const origin = new URL(String(opts.origin));
    if (trusted.has(origin.origin)) return dispatch(opts, handler);
    const why = forbiddenAddress(origin.hostname);
    if (why) throw forbiddenAddressError(origin.host, origin.hostname, why);
    if (!lookup || isIP(origin.hostname.replace(/^\[|\]$/g, ""))) return dispatch(opts, handler);
    lookup(origin.hostname, { all: true }, (err) => {
      // Only a forbidden answer stops the request: behind a proxy the client often cannot resolve outside names at
      // all (the proxy does), and a blob's redirect to object storage must still work there.
      if (err?.code !== FORBIDDEN_ADDRESS) {
        dispatch(opts, handler);
        return;
      }
      // The handler `request()` hands a composed dispatcher is undici's legacy one (onError); newer ones use
      // onResponseError. Either ends the request with this error.
      const h = handler as { onError?: (e: Error) => void; onResponseError?: (c: unknown, e: Error) => void };
      // Stryker disable next-line ConditionalExpression: undici 7 hands every interceptor a handler with onResponseError (it wraps older ones), so always taking that branch changes nothing here.
      if (h.onResponseError) h.onResponseError(null, err);
      // Stryker disable next-line OptionalChaining: unreachable with undici 7 (see above); kept for handlers that only know onError.
      else h.onError?.(err);
    });
    return true;
  });
}
