/**
 * The one undici dispatcher of a Transport, built from its options when none is injected: keep-alive, no pipelining
 * (registries and object stores are plain HTTP/1.1 servers and pipelining turns one slow blob into head-of-line
 * blocking), a connection limit per origin, TLS verification on unless asked otherwise, and proxies like curl does.
 */
import { rootCertificates } from "node:tls";
import {
  checkedLookup,
  FORBIDDEN_ADDRESS,
  forbiddenAddress,
  forbiddenAddressError,
  ipFamily,
} from "@regatta/auth";
import {
  Agent,
  buildConnector,
  Client,
  Dispatcher,
  EnvHttpProxyAgent,
  errors,
  Pool,
  ProxyAgent,
} from "undici";

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
  /**
   * TLS and connection settings of single origins (`https://registry.example:5000`), from the per-host settings
   * (regclient's `config/host.go`). Every origin not listed here, such as the object store a blob GET is redirected
   * to, gets the settings above and nothing of these.
   */
  originSettings?: ReadonlyMap<string, OriginSettings>;
}

/** What one origin gets on top of (or instead of) the dispatcher-wide settings. */
export interface OriginSettings {
  /** Extra CA certificates (PEM) for this origin, trusted with Node's bundle and the dispatcher-wide `ca`. */
  ca?: string | Buffer;
  /** Client certificate (PEM) presented to this origin for mutual TLS; needs `key`. */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert`. */
  key?: string | Buffer;
  /** `false` verifies this origin's certificate even when `tlsSkipVerify` is set; `true` skips it here only. */
  tlsSkipVerify?: boolean;
  /** Connections (so, with no pipelining, requests in flight) to this origin; default `connections`. */
  connections?: number;
}

/** The `connect` (TLS) options of one origin: the dispatcher-wide ones merged with the origin's own. */
type TlsOptions = {
  ca?: (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  timeout: number;
};

/**
 * TLS for `own` (an origin's settings, or none). Extra CAs are added to Node's bundle, never put in its place: a
 * private CA is trust added for the hosts that use it, and must not make a public certificate fail (docker's certs.d
 * and regclient's RegCert add to the system pool the same way).
 */
function tlsFor(options: DispatcherOptions, own: OriginSettings | undefined): TlsOptions {
  const extra = [options.ca, own?.ca].filter((c): c is string | Buffer => c !== undefined);
  return {
    ...(extra.length ? { ca: [...rootCertificates, ...extra] } : {}),
    ...(own?.cert !== undefined ? { cert: own.cert } : {}),
    ...(own?.key !== undefined ? { key: own.key } : {}),
    // Verification is the default; only an explicit --tls-skip-verify (or a host's `tls: "insecure"`) turns it off.
    rejectUnauthorized: !(own?.tlsSkipVerify ?? options.tlsSkipVerify === true),
    timeout: options.connectTimeout,
  };
}

/** Reads a proxy variable the way curl and undici do: lower case first, then upper case. */
function envVar(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  // Stryker disable next-line MethodExpression: undici reads the value as a WHATWG URL, which drops the same spaces.
  return value?.trim() ? value.trim() : undefined;
}

/**
 * Builds the dispatcher: an explicit proxy, else HTTP(S)_PROXY / NO_PROXY from `env`, else a plain Agent; each
 * origin's TLS from `originSettings` (see {@link OriginSettings}), every other origin's from the options.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const trusted = options.trustedOrigins ?? new Set<string>();
  const perOrigin = options.originSettings ?? new Map<string, OriginSettings>();
  const env = options.env ?? process.env;
  const proxied = Boolean(options.proxy || envVar(env, "http_proxy") || envVar(env, "https_proxy"));
  if (!proxied) {
    const agent = new Agent({
      ...agentOptions(options, undefined),
      factory: guardedFactory(trusted, options, perOrigin),
    });
    return guardDispatcher(agent, trusted);
  }
  // A proxy agent has one `requestTls` for every origin it tunnels to, so an origin with settings of its own gets a
  // proxy agent of its own and every other origin (a blob redirect's too) shares one. What that costs: a pool of
  // connections to the proxy per such origin. A NO_PROXY origin is reached directly by the same agents, with the
  // same per-origin TLS. The TLS to an https proxy itself (`proxyTls`) is one for all origins.
  const shared = proxyAgent(options, undefined);
  if (perOrigin.size === 0) return guardDispatcher(shared, trusted, { resolveNames: true });
  const own = new Map([...perOrigin].map(([origin, s]) => [origin, proxyAgent(options, s)]));
  return guardDispatcher(new ByOrigin(own, shared), trusted, { resolveNames: true });
}

/**
 * The pool to a proxy: a CONNECT left unanswered past the connect timeout is a connect timeout (what it is, and the
 * flag that sets it), not the read timeout undici's headers timer would report.
 */
function proxyPool(origin: URL, opts: Pool.Options): Pool {
  const pool = new Pool(origin, opts);
  const connect = pool.connect.bind(pool) as (options: unknown, callback?: unknown) => unknown;
  (pool as unknown as { connect: unknown }).connect = (options: unknown, callback?: unknown) => {
    if (callback !== undefined) return connect(options, callback);
    return (connect(options) as Promise<unknown>).catch((error: unknown) => {
      if ((error as { code?: string }).code === "UND_ERR_HEADERS_TIMEOUT") {
        throw new errors.ConnectTimeoutError("the proxy did not answer CONNECT in time");
      }
      throw error;
    });
  };
  return pool;
}

/** The Agent options for one origin's settings (`own`), or for every origin without settings. */
function agentOptions(options: DispatcherOptions, own: OriginSettings | undefined) {
  return {
    connections: own?.connections ?? options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.readTimeout,
    bodyTimeout: options.readTimeout,
    connect: tlsFor(options, own),
  } satisfies Agent.Options;
}

/** A proxy agent (explicit `proxy`, else from `env`) whose tunnels carry the TLS of `own`. */
function proxyAgent(options: DispatcherOptions, own: OriginSettings | undefined): Dispatcher {
  const agent = agentOptions(options, own);
  // requestTls is the TLS to the registry inside the CONNECT tunnel; proxyTls the TLS to an https proxy.
  // The CONNECT is part of connecting: a proxy that takes the TCP connection and never answers it is bounded by the
  // connect timeout (undici's client to the proxy would wait its default 300 s for the answer's headers, and the
  // request's own deadline does not reach it).
  const clientFactory = (origin: URL, opts: object) =>
    proxyPool(origin, {
      ...opts,
      headersTimeout: options.connectTimeout,
      bodyTimeout: options.connectTimeout,
    });
  const tunnel = {
    ...agent,
    requestTls: agent.connect,
    proxyTls: { timeout: options.connectTimeout },
    clientFactory,
  };
  if (options.proxy) return new ProxyAgent({ ...tunnel, uri: options.proxy });
  const env = options.env ?? process.env;
  // Pass every value explicitly ("" for unset) so undici never falls back to process.env behind our back.
  return new EnvHttpProxyAgent({
    ...tunnel,
    httpProxy: envVar(env, "http_proxy") ?? "",
    httpsProxy: envVar(env, "https_proxy") ?? "",
    // Stryker disable next-line StringLiteral: the list Stryker writes here ("Stryker was here!") names no host anyone reaches.
    noProxy: envVar(env, "no_proxy") ?? "",
  });
}

/** A promise for `work`, or, given a callback, nothing: the callback is called when it settles (undici's two forms). */
function settle(work: Promise<unknown>, callback: (() => void) | undefined): Promise<void> | void {
  const done = work.then(() => undefined);
  if (!callback) return done;
  done.then(callback, callback);
}

/** Sends each request through the dispatcher of its origin, or `fallback`; closes and destroys them all. */
class ByOrigin extends Dispatcher {
  // Not `#private`: Dispatcher.compose() wraps this object in a Proxy, through which `#` fields cannot be read.
  private readonly byOrigin: ReadonlyMap<string, Dispatcher>;
  private readonly fallback: Dispatcher;

  constructor(byOrigin: ReadonlyMap<string, Dispatcher>, fallback: Dispatcher) {
    super();
    this.byOrigin = byOrigin;
    this.fallback = fallback;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = new URL(String(opts.origin)).origin;
    return (this.byOrigin.get(origin) ?? this.fallback).dispatch(opts, handler);
  }

  private all(): Dispatcher[] {
    return [...this.byOrigin.values(), this.fallback];
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    return settle(Promise.all(this.all().map((d) => d.close())), callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === "function" ? null : (a ?? null);
    return settle(Promise.all(this.all().map((d) => d.destroy(err))), typeof a === "function" ? a : b);
  }
}

/**
 * Pools of the Agent: one per origin, made when the origin is first reached. A pool for an origin the user did not
 * name connects through a connector that refuses forbidden addresses at connect time: IP literals before the socket
 * is opened (node skips `lookup` for them), names through {@link checkedLookup} on every address DNS answers, so the
 * address checked is the address connected to.
 */
function guardedFactory(
  trusted: ReadonlySet<string>,
  dispatcherOptions: DispatcherOptions,
  perOrigin: ReadonlyMap<string, OriginSettings>,
) {
  return (origin: string | URL, opts: object): Dispatcher => {
    // Stryker disable next-line ConditionalExpression: `new URL()` takes a URL as well, so both branches give the same origin.
    const key = typeof origin === "string" ? new URL(origin).origin : origin.origin;
    // The origin's own TLS and connection limit, chosen here because the Agent makes one pool per origin. Only the
    // origin they were given for gets them: a blob GET redirected to object storage on another origin connects with
    // the defaults, so the registry's client certificate (which identifies the user) is never shown to a host the
    // registry chose, and that host is still verified against Node's public roots (a registry's private CA is added
    // for the registry, never put in place of the roots for others).
    const own = perOrigin.get(key);
    const options = (own ? { ...opts, ...agentOptions(dispatcherOptions, own) } : opts) as Pool.Options & {
      connections?: number | null;
    };
    // A Client for one connection, a Pool for more, as undici's own default factory does.
    const make = (o: Pool.Options) =>
      // Stryker disable next-line ConditionalExpression,EqualityOperator: a Pool limited to one connection behaves as a Client.
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
    // Stryker disable next-line Regex: a URL's hostname has brackets only around an IPv6 address, at its two ends.
    if (!lookup || ipFamily(origin.hostname.replace(/^\[|\]$/g, ""))) return dispatch(opts, handler);
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: only the error is read, and checkedLookup checks every address either way.
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
      if (h.onResponseError) return void h.onResponseError(null, err);
      // Stryker disable next-line OptionalChaining: unreachable with undici 7 (see above); kept for handlers that only know onError.
      h.onError?.(err);
    });
    // Stryker disable next-line BooleanLiteral: the answer only asks for back-pressure, which undici's request() ignores.
    return true;
  });
}
