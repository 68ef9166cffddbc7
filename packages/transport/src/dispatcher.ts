/**
 * The one undici dispatcher of a Transport, built from its options when none is injected: keep-alive, no pipelining
 * (registries and object stores are plain HTTP/1.1 servers and pipelining turns one slow blob into head-of-line
 * blocking), a connection limit per origin, TLS verification on unless asked otherwise, and proxies as Go's
 * ProxyFromEnvironment chooses them (proxy.ts).
 */
import { rootCertificates } from "node:tls";
import {
  checkedLookup,
  FORBIDDEN_ADDRESS,
  forbiddenAddress,
  forbiddenAddressError,
  ipFamily,
  LoopbackTrust,
  loopbackAddress,
  loopbackRefusalError,
} from "@regatta/auth";
import { Agent, buildConnector, Client, type Dispatcher, Pool } from "undici";
import { checkCaBundle } from "./ca-bundle.js";
import { type ProxyChoice, ProxyRouting, ProxyRules, proxyDispatcher } from "./proxy.js";

/** The options the dispatcher is built from. */
export interface DispatcherOptions {
  /**
   * Extra CA certificates (PEM), trusted in addition to Node's bundle (like docker's certs.d): a private registry's
   * CA must not stop its blobs' redirects to a public object store from verifying.
   */
  ca?: string | Buffer;
  /** How a refusal of `ca` names it (TransportOptions' `caName`). */
  caName?: string;
  tlsSkipVerify?: boolean;
  proxy?: string;
  env?: Record<string, string | undefined>;
  connectTimeout: number;
  readTimeout: number;
  connections: number;
  /**
   * Origins (`http://127.0.0.1:5000`) of the registries the user named. Every other origin is a destination a server
   * chose (a token realm, a redirect, an upload Location) and is connected to only after its addresses pass the
   * address policy of @regatta/auth: never a metadata address, and a loopback one only while one of these
   * registries is itself on this machine. Default: none trusted.
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
  /** How a refusal of this `ca` names it (RegistryHostOptions' `caName`). */
  caName?: string;
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

/**
 * Builds the dispatcher: a plain Agent, each origin's TLS from `originSettings` (see {@link OriginSettings}), every
 * other origin's from the options; when a proxy is set (`proxy`, else HTTP(S)_PROXY in `env`), each request goes
 * direct or through it as proxy.ts chooses. Throws a UsageError for a malformed `proxy`, or a CA bundle
 * that holds no certificate (ca-bundle.ts).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  if (options.ca !== undefined)
    checkCaBundle(options.ca, options.caName ?? "the extra CA bundle (--ca-file, ca)");
  for (const [origin, own] of options.originSettings ?? [])
    if (own.ca !== undefined)
      checkCaBundle(own.ca, own.caName ?? `the CA bundle of ${origin} (hosts caFile, ca)`);
  const trusted = options.trustedOrigins ?? new Set<string>();
  const perOrigin = options.originSettings ?? new Map<string, OriginSettings>();
  const agent = new Agent({
    ...agentOptions(options, undefined),
    factory: guardedFactory(trusted, options, perOrigin),
  });
  const direct = guardDispatcher(agent, trusted);
  const rules = new ProxyRules({ proxy: options.proxy, env: options.env });
  if (!rules.configured) return direct;
  const viaProxy = (choice: ProxyChoice) =>
    guardDispatcher(
      proxyDispatcher(choice, options.connectTimeout, (own) => agentOptions(options, own), perOrigin),
      trusted,
      { resolveNames: true },
    );
  return new ProxyRouting(rules, direct, viaProxy);
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
    const loopback = loopbackTrustOf(trusted);
    // `connect` is the TLS options object createDispatcher gave the Agent (never a function: it is built here).
    const connector = buildConnector({
      ...(options.connect as buildConnector.BuildOptions),
      lookup: checkedLookup(undefined, loopback),
    });
    const connect: buildConnector.connector = (connectOptions, callback) => {
      const { hostname } = connectOptions;
      const why = forbiddenAddress(hostname);
      // Stryker disable next-line BlockStatement,ConditionalExpression: defence in depth, unreachable through createDispatcher: guardDispatcher in front refuses these literals before a pool is asked.
      if (why) {
        callback(forbiddenAddressError(hostname, hostname, why), null);
        return;
      }
      // Stryker disable next-line ConditionalExpression: defence in depth, as above (guardDispatcher asks first).
      if (!loopbackAddress(hostname)) return void connector(connectOptions, callback);
      loopback.allowed().then((allowed) => {
        if (allowed) return void connector(connectOptions, callback);
        callback(loopbackRefusalError(hostname, hostname, loopback.registries()), null);
      });
    };
    return make({ ...options, connect });
  };
}

/**
 * Who decides whether loopback destinations may be reached, one per set of trusted origins (so per Transport): its
 * registries are the hosts of those origins (the registry's own host even behind a proxy), each resolved at most
 * once, and only when a loopback destination is met.
 */
const loopbackTrusts = new WeakMap<ReadonlySet<string>, LoopbackTrust>();
function loopbackTrustOf(trusted: ReadonlySet<string>): LoopbackTrust {
  let trust = loopbackTrusts.get(trusted);
  if (!trust) {
    trust = new LoopbackTrust(() => [...trusted].map((origin) => new URL(origin).host));
    loopbackTrusts.set(trusted, trust);
  }
  return trust;
}

/**
 * Refuses, before anything is sent, a request to an untrusted origin whose host is a forbidden IP literal, or a
 * loopback one while no registry the user named is on this machine (address-policy.ts, {@link LoopbackTrust}). With
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
  const loopback = loopbackTrustOf(trusted);
  const lookup = options.resolveNames ? checkedLookup(undefined, loopback) : undefined;
  return dispatcher.compose((dispatch) => (opts, handler) => {
    const origin = new URL(String(opts.origin));
    if (trusted.has(origin.origin)) return dispatch(opts, handler);
    const why = forbiddenAddress(origin.hostname);
    if (why) throw forbiddenAddressError(origin.host, origin.hostname, why);
    // The handler `request()` hands a composed dispatcher is undici's legacy one (onError); newer ones use
    // onResponseError. Either ends the request with this error.
    const fail = (err: Error) => {
      const h = handler as { onError?: (e: Error) => void; onResponseError?: (c: unknown, e: Error) => void };
      // Stryker disable next-line ConditionalExpression: undici 7 hands every interceptor a handler with onResponseError (it wraps older ones), so always taking that branch changes nothing here.
      if (h.onResponseError) return void h.onResponseError(null, err);
      // Stryker disable next-line OptionalChaining: unreachable with undici 7 (see above); kept for handlers that only know onError.
      h.onError?.(err);
    };
    if (loopbackAddress(origin.hostname)) {
      loopback.allowed().then((allowed) => {
        if (allowed) return void dispatch(opts, handler);
        fail(loopbackRefusalError(origin.host, origin.host, loopback.registries()));
      });
      // Stryker disable next-line BooleanLiteral: the answer only asks for back-pressure, which undici's request() ignores.
      return true;
    }
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
      fail(err);
    });
    // Stryker disable next-line BooleanLiteral: the answer only asks for back-pressure, which undici's request() ignores.
    return true;
  });
}
