/**
 * Proxies: which requests go through one, and the undici agents that tunnel them. The choice is made per request, on
 * the URL it goes to, the way Go's `http.ProxyFromEnvironment` makes it (golang.org/x/net/http/httpproxy, which
 * docker, crane, regctl and skopeo use), so a registry, a token realm, a redirect and an upload Location each get
 * their own answer:
 * - this machine (`hostIsThisMachine` in @regatta/auth, the rule the address policy uses: `localhost`,
 *   `*.localhost`, 127.0.0.0/8, 0.0.0.0/8, ::1, `::`, and every IPv6 spelling that embeds one of those IPv4
 *   addresses) is never proxied, whatever is set: the proxy's loopback is another machine, and a loopback registry
 *   is spoken to in plain http, so its credentials would cross the network in clear and reach whatever listens on
 *   the proxy's own port;
 * - `NO_PROXY` (`no_proxy`) as Go reads it: `*`, IP addresses with or without a port (`::1`, `[::1]:5000`), CIDR
 *   blocks (`10.0.0.0/8`, `fd00::/8`), and names that match themselves and their subdomains (`example.com`,
 *   `.example.com`, `*.example.com`, each optionally `:port`); IP literals are never matched as name suffixes; a
 *   trailing dot is ignored on both sides, as curl does;
 * - an explicit proxy (`--proxy`, the `proxy` option) is used for every scheme, and honours `NO_PROXY` as curl's
 *   `--proxy` does; otherwise `HTTP_PROXY` is for http URLs and `HTTPS_PROXY` for https URLs only (Go and curl; undici
 *   falls back to `HTTP_PROXY` for https, which we do not). Each variable is read lower case first, then upper case,
 *   and an empty value counts as unset (Go's getEnvAny), so `http_proxy=` does not hide `HTTP_PROXY`. `ALL_PROXY` is
 *   not read.
 * Only http:// and https:// proxies: a SOCKS URL is refused (undici's SOCKS support is experimental).
 */
import { BlockList, type Socket } from "node:net";
import { domainToASCII } from "node:url";
import { hostIsThisMachine, ipFamily } from "@regatta/auth";
import { UsageError } from "@regatta/errors";
import { type Agent, type buildConnector, Client, Dispatcher, errors, Pool, ProxyAgent } from "undici";

/** A proxy chosen for a request, and where it was configured (`--proxy`, `HTTPS_PROXY`), as errors name it. */
export interface ProxyChoice {
  url: URL;
  source: string;
}

/** What the proxy choice is made from. */
export interface ProxyConfig {
  /** Explicit proxy URL (`--proxy`): every scheme, `NO_PROXY` still honoured. */
  proxy?: string | undefined;
  /** HTTP_PROXY, HTTPS_PROXY, NO_PROXY in either case; default `process.env`. */
  env?: Record<string, string | undefined> | undefined;
}

/** A setting that is present, and which variable (or flag) it came from. */
interface Setting {
  value: string;
  source: string;
}

/** The flag and library option an explicit proxy comes from, as messages name it. */
const EXPLICIT = "--proxy";

/** Reads a proxy variable: lower case first, then upper case, an empty or blank value being unset (Go, curl). */
function envSetting(env: Record<string, string | undefined>, name: string): Setting | undefined {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[key]?.trim();
    if (value) return { value, source: key };
  }
  return undefined;
}

/**
 * A proxy URL as written, with its whole userinfo masked, up to the last `@`: the password whatever it holds (`/`,
 * `?` and `#` included, which a URL parser would take for the end of the authority), and the user, which for a proxy
 * is often a token (`http://TOKEN@proxy`). Every error's text is masked by `maskUserinfo` on top of this.
 */
export function redactProxyUrl(raw: string): string {
  return raw.replace(
    /^([A-Za-z][A-Za-z0-9+.-]*:\/\/|\/\/)?[^\s]*@/,
    (_m, scheme?: string) => `${scheme ?? ""}***@`,
  );
}

/** The proxy as messages show it: scheme, host and port, never its user or password. */
export function proxyLabel(choice: ProxyChoice): string {
  return `${choice.url.protocol}//${choice.url.host} (from ${choice.source})`;
}

/**
 * Parses a proxy URL as Go's httpproxy and curl do: no scheme means http (`127.0.0.1:3128`), and only the scheme,
 * user, password, host and port are kept. Anything that is not an http or https URL with a host is a UsageError
 * naming where it came from, with the password masked.
 */
export function parseProxyUrl(setting: Setting): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(setting.value) ? setting.value : `http://${setting.value}`;
  const shown = redactProxyUrl(setting.value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid proxy URL in ${setting.source}: ${shown}`, {
      code: "PROXY_URL_INVALID",
      hint: `give ${setting.source} as http://HOST:PORT or https://HOST:PORT (user and password optional)`,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(
      `unsupported proxy in ${setting.source}: ${url.protocol} proxies are not supported (${shown})`,
      {
        code: "PROXY_URL_INVALID",
        hint: `give ${setting.source} as an http:// or https:// proxy`,
      },
    );
  }
  if (!url.hostname) {
    throw new UsageError(`invalid proxy URL in ${setting.source}: no host (${shown})`, {
      code: "PROXY_URL_INVALID",
    });
  }
  // A bare word (`notaurl`, `garbage`) is a host to curl (port 1080) and to Go (port 80): they disagree, and it is
  // more often a mistake than a proxy. Without a scheme, a port is required (`proxy:3128`, which both read alike).
  if (text !== setting.value && !url.port && !/:\d+$/.test(setting.value)) {
    throw new UsageError(`invalid proxy URL in ${setting.source}: ${shown} has no scheme and no port`, {
      code: "PROXY_URL_INVALID",
      hint: `give ${setting.source} as http://HOST:PORT or https://HOST:PORT (user and password optional)`,
    });
  }
  // undici decodes the user and password for the Proxy-Authorization header: a bad escape (`pw%zz`) failed every
  // request as "URI malformed", blamed on the registry.
  for (const part of [url.username, url.password]) {
    try {
      decodeURIComponent(part);
    } catch {
      throw new UsageError(
        `invalid proxy URL in ${setting.source}: a bad %-escape in its user or password (${shown})`,
        {
          code: "PROXY_URL_INVALID",
          hint: "percent-encode the user and password (% as %25, / as %2F, @ as %40)",
        },
      );
    }
  }
  // A proxy is a host and port: a path, query or fragment (`http://proxy:3128/proxy`) is not used, as Go's transport
  // and curl do not use it; undici refused such a URL and the request failed as the registry's "invalid url".
  url.pathname = "/";
  url.search = "";
  url.hash = "";
  return url;
}

/** One NO_PROXY entry that names an address (`10.0.0.1`, `[::1]:5000`). */
interface AddressEntry {
  address: string;
  port: string;
}

/** One NO_PROXY entry that names a domain: `suffix` is `.example.com`; `exact` also matches `example.com` itself. */
interface DomainEntry {
  suffix: string;
  exact: boolean;
  port: string;
}

/** NO_PROXY, parsed once. */
interface NoProxy {
  all: boolean;
  blocks: BlockList | undefined;
  addresses: AddressEntry[];
  domains: DomainEntry[];
}

/** An IP address in one spelling (WHATWG's), so `::1` and `0:0::1` compare equal; without brackets. */
function canonicalAddress(address: string): string {
  const family = ipFamily(address);
  return family === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` and a bare IPv6 address; host lower case, trailing dot gone. */
function splitEntry(entry: string): { host: string; port: string } {
  let host = entry;
  let port = "";
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    host = close < 0 ? entry : entry.slice(1, close);
    const rest = close < 0 ? "" : entry.slice(close + 1);
    if (rest.startsWith(":")) port = rest.slice(1);
  } else {
    const colon = entry.indexOf(":");
    // One colon: host:port. More: a bare IPv6 address.
    if (colon >= 0 && entry.indexOf(":", colon + 1) < 0) {
      host = entry.slice(0, colon);
      port = entry.slice(colon + 1);
    }
  }
  return { host: host.replace(/\.$/, ""), port };
}

/** Parses NO_PROXY as Go's httpproxy `config.init` does (with curl's trailing-dot rule). */
export function parseNoProxy(value: string): NoProxy {
  const parsed: NoProxy = { all: false, blocks: undefined, addresses: [], domains: [] };
  for (const raw of value.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return { ...parsed, all: true };
    const slash = entry.indexOf("/");
    if (slash >= 0) {
      const address = entry.slice(0, slash).replace(/^\[|\]$/g, "");
      const family = ipFamily(address);
      const bits = entry.slice(slash + 1);
      const prefix = Number(bits);
      if (family && /^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128)) {
        parsed.blocks ??= new BlockList();
        parsed.blocks.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
      }
      // Anything else with a slash is no host name: ignored, as Go ignores what it cannot parse.
      continue;
    }
    const { host, port } = splitEntry(entry);
    if (!host) continue;
    if (ipFamily(host)) {
      parsed.addresses.push({ address: canonicalAddress(host), port });
      continue;
    }
    const name = host.startsWith("*.") ? host.slice(1) : host;
    const exact = !name.startsWith(".");
    const ascii = domainToASCII(exact ? name : name.slice(1));
    if (!ascii) continue;
    parsed.domains.push({ suffix: `.${ascii}`, exact, port });
  }
  return parsed;
}

/** Whether NO_PROXY says `url` goes direct. */
function bypassed(noProxy: NoProxy, url: URL): boolean {
  if (noProxy.all) return true;
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const portMatches = (wanted: string) => wanted === "" || wanted === port;
  const family = ipFamily(host);
  if (family) {
    // An address is matched by address and block only: `.0.0.1` names no domain 127.0.0.1 is under.
    const address = canonicalAddress(host);
    if (noProxy.blocks?.check(address, family === 4 ? "ipv4" : "ipv6")) return true;
    return noProxy.addresses.some((e) => e.address === address && portMatches(e.port));
  }
  return noProxy.domains.some(
    (e) => (host.endsWith(e.suffix) || (e.exact && host === e.suffix.slice(1))) && portMatches(e.port),
  );
}

/** Chooses the proxy of each request; see the top of this file for the rules. */
export class ProxyRules {
  readonly #explicit: Setting | undefined;
  readonly #http: Setting | undefined;
  readonly #https: Setting | undefined;
  readonly #noProxy: NoProxy;
  readonly #parsed = new Map<Setting, URL>();

  /** Throws a UsageError for a malformed explicit proxy; a malformed variable fails the requests that would use it. */
  constructor(config: ProxyConfig) {
    const env = config.env ?? process.env;
    const explicit = config.proxy?.trim();
    this.#explicit = explicit ? { value: explicit, source: EXPLICIT } : undefined;
    this.#http = envSetting(env, "http_proxy");
    this.#https = envSetting(env, "https_proxy");
    this.#noProxy = parseNoProxy(envSetting(env, "no_proxy")?.value ?? "");
    if (this.#explicit) this.#url(this.#explicit);
  }

  /** Whether any proxy is set at all. */
  get configured(): boolean {
    return Boolean(this.#explicit ?? this.#http ?? this.#https);
  }

  /** The proxy for a request to `url`, or undefined for a direct connection. */
  choose(url: URL): ProxyChoice | undefined {
    if (hostIsThisMachine(url.hostname)) return undefined;
    const setting = this.#explicit ?? (url.protocol === "https:" ? this.#https : this.#http);
    if (!setting || bypassed(this.#noProxy, url)) return undefined;
    return { url: this.#url(setting), source: setting.source };
  }

  #url(setting: Setting): URL {
    let url = this.#parsed.get(setting);
    if (!url) {
      url = parseProxyUrl(setting);
      this.#parsed.set(setting, url);
    }
    return url;
  }
}

/** The passwords in the proxy URLs set (explicit and from `env`), decoded: secrets of the client, never printed. */
export function proxyPasswords(config: ProxyConfig): string[] {
  const env = config.env ?? process.env;
  const values = [config.proxy, envSetting(env, "http_proxy")?.value, envSetting(env, "https_proxy")?.value];
  return values.flatMap((value) => {
    const password = value ? userinfoPassword(value) : undefined;
    return password ? [password] : [];
  });
}

/** The password of a proxy URL's userinfo, decoded, even when the rest of the URL does not parse. */
function userinfoPassword(raw: string): string | undefined {
  const userinfo = /^(?:[^/]*\/\/)?([^/]*)@/.exec(raw)?.[1];
  const colon = userinfo?.indexOf(":") ?? -1;
  if (!userinfo || colon < 0) return undefined;
  const password = userinfo.slice(colon + 1);
  try {
    return decodeURIComponent(password) || undefined;
  } catch {
    return password || undefined;
  }
}

/**
 * A failure to reach the proxy itself (refused, unresolvable, a TLS handshake with an https proxy that failed), as
 * opposed to one inside the tunnel: map-error.ts names the proxy and its setting, not the registry.
 */
export class ProxyConnectFailure extends Error {
  readonly code: string | undefined;
  readonly proxy: string;
  /** Where the proxy came from: `--proxy`, `HTTPS_PROXY`, `http_proxy`, … */
  readonly source: string;
  constructor(choice: ProxyChoice, cause: unknown) {
    super(`cannot connect to the proxy ${proxyLabel(choice)}`, { cause });
    this.name = "ProxyConnectFailure";
    this.code = (cause as { code?: string } | undefined)?.code;
    this.proxy = proxyLabel(choice);
    this.source = choice.source;
  }
}

/**
 * A proxy that answered CONNECT with another status than 200 (undici's own error for it names no proxy): map-error.ts
 * words it with the setting the proxy came from (`--proxy`, `HTTPS_PROXY`, …), the one to check.
 */
export class ProxyRefused extends Error {
  readonly status: number;
  readonly source: string;
  constructor(choice: ProxyChoice, status: number) {
    super(`Proxy response (${status}) !== 200 when HTTP Tunneling (${proxyLabel(choice)})`);
    this.name = "ProxyRefused";
    this.status = status;
    this.source = choice.source;
  }
}

/**
 * The pool to a proxy. Its `connect` is the CONNECT request, and everything failing there is the proxy's: a CONNECT
 * left unanswered past the connect timeout is a connect timeout (what it is, and the flag that sets it), not the read
 * timeout undici's headers timer would report; a refused, unresolvable or non-TLS proxy is a {@link
 * ProxyConnectFailure}.
 */
function proxyPool(choice: ProxyChoice, origin: URL, opts: Pool.Options): Pool {
  const tls = opts.connect;
  // undici names an https proxy given by IP address as the TLS server name, which RFC 6066 forbids (and Node warns
  // about, DEP0123, on stderr): no server name for an address.
  const named: Pool.Options["connect"] =
    typeof tls === "function"
      ? (o, callback) => {
          if (!o.servername || !ipFamily(o.servername)) return tls(o, callback);
          const { servername: _, ...rest } = o;
          return tls(rest, callback);
        }
      : tls;
  const pool = new Pool(origin, { ...opts, ...(named ? { connect: named } : {}) });
  const connect = pool.connect.bind(pool) as (options: unknown, callback?: unknown) => unknown;
  (pool as unknown as { connect: unknown }).connect = (options: unknown, callback?: unknown) => {
    if (callback !== undefined) return connect(options, callback);
    return (connect(options) as Promise<{ statusCode: number; socket: Socket }>).then(
      (answer) => {
        if (answer.statusCode === 200) return answer;
        answer.socket.on("error", () => {}).destroy();
        throw new ProxyRefused(choice, answer.statusCode);
      },
      (error: unknown) => {
        if ((error as { code?: string }).code === "UND_ERR_HEADERS_TIMEOUT") {
          throw new errors.ConnectTimeoutError("the proxy did not answer CONNECT in time");
        }
        if ((error as { code?: string }).code === "UND_ERR_CONNECT_TIMEOUT") throw error;
        throw new ProxyConnectFailure(choice, error);
      },
    );
  };
  return pool;
}

/**
 * The pool to an http proxy that a plain-http registry's requests go through in absolute form (undici's
 * `proxyTunnel: false`): the agent's timeouts, and a failure to connect to the proxy is the proxy's
 * ({@link ProxyConnectFailure}), never blamed on the registry.
 */
function plainProxyPool(choice: ProxyChoice, origin: string | URL, opts: Pool.Options): Pool {
  const connect = opts.connect as buildConnector.connector;
  return new Pool(origin, {
    ...opts,
    connect: (options, callback) =>
      connect(options, (...[error, socket]: Parameters<buildConnector.Callback>) => {
        if (error) callback(new ProxyConnectFailure(choice, error), null);
        else callback(null, socket as Socket);
      }),
  });
}

/** The settings of one origin that a proxy agent's tunnels need (the Agent options, TLS inside the tunnel). */
export type AgentOptionsFor<Own> = (
  own: Own | undefined,
) => Agent.Options & { connect: buildConnector.BuildOptions };

/**
 * The agents of one proxy: one for every origin without settings of its own, and one per origin that has some,
 * because a proxy agent has one `requestTls` for every origin it tunnels to. What that costs: a pool of connections
 * to the proxy per such origin. The TLS to an https proxy itself (`proxyTls`) is one for all origins.
 */
export function proxyDispatcher<Own>(
  choice: ProxyChoice,
  connectTimeout: number,
  agentOptions: AgentOptionsFor<Own>,
  perOrigin: ReadonlyMap<string, Own>,
): Dispatcher {
  const make = (own: Own | undefined) => {
    const agent = agentOptions(own);
    // requestTls is the TLS to the registry inside the CONNECT tunnel; proxyTls the TLS to an https proxy.
    // The CONNECT is part of connecting: a proxy that takes the TCP connection and never answers it is bounded by
    // the connect timeout (undici's client to the proxy would wait its default 300 s for the answer's headers, and
    // the request's own deadline does not reach it).
    return new ProxyAgent({
      ...agent,
      uri: choice.url.href,
      requestTls: agent.connect,
      proxyTls: { timeout: connectTimeout },
      clientFactory: (origin: URL, opts: object) =>
        proxyPool(choice, origin, { ...opts, headersTimeout: connectTimeout, bodyTimeout: connectTimeout }),
      // An http:// registry through an http:// proxy is asked in absolute form (`GET http://host:port/v2/`), as
      // skopeo, docker and curl ask: squid's default refuses CONNECT to any port but 443, so a tunnel failed for
      // every plain-http registry behind it. https stays a CONNECT tunnel (its TLS end to end).
      proxyTunnel: false,
      factory: (origin: string | URL, opts: Pool.Options) =>
        String(origin) === choice.url.href
          ? plainProxyPool(choice, origin, { ...agent, ...opts })
          : opts.connections === 1
            ? new Client(origin, opts)
            : new Pool(origin, opts),
    });
  };
  // Each origin's agent is made when it is first asked for, from its settings then: an insecure registry's (the
  // transport's `*`) are added when it is first named, after this dispatcher may have been made.
  return new ByOrigin((origin) => {
    const own = perOrigin.get(origin);
    return own === undefined ? undefined : make(own);
  }, make(undefined));
}

/** A promise for `work`, or, given a callback, nothing: the callback is called when it settles (undici's two forms). */
function settle(work: Promise<unknown>, callback: (() => void) | undefined): Promise<void> | void {
  const done = work.then(() => undefined);
  if (!callback) return done;
  done.then(callback, callback);
}

/** A dispatcher that sends each request to one of several, and closes and destroys them all. */
abstract class Routing extends Dispatcher {
  protected abstract all(): Dispatcher[];

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

/** Sends each request through the dispatcher of its origin, or `fallback`. */
class ByOrigin extends Routing {
  // Not `#private`: Dispatcher.compose() wraps this object in a Proxy, through which `#` fields cannot be read.
  private readonly byOrigin = new Map<string, Dispatcher>();
  private readonly own: (origin: string) => Dispatcher | undefined;
  private readonly fallback: Dispatcher;

  constructor(own: (origin: string) => Dispatcher | undefined, fallback: Dispatcher) {
    super();
    this.own = own;
    this.fallback = fallback;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = new URL(String(opts.origin)).origin;
    let dispatcher = this.byOrigin.get(origin);
    if (!dispatcher) {
      dispatcher = this.own(origin);
      if (dispatcher) this.byOrigin.set(origin, dispatcher);
    }
    return (dispatcher ?? this.fallback).dispatch(opts, handler);
  }

  protected all(): Dispatcher[] {
    return [...this.byOrigin.values(), this.fallback];
  }
}

/**
 * Sends each request direct or through the proxy {@link ProxyRules} choose for its URL; the dispatcher of a proxy is
 * made when it is first used.
 */
export class ProxyRouting extends Routing {
  // Not `#private`, as ByOrigin.
  private readonly rules: ProxyRules;
  private readonly direct: Dispatcher;
  private readonly viaProxy: (choice: ProxyChoice) => Dispatcher;
  private readonly proxies = new Map<string, Dispatcher>();

  constructor(rules: ProxyRules, direct: Dispatcher, viaProxy: (choice: ProxyChoice) => Dispatcher) {
    super();
    this.rules = rules;
    this.direct = direct;
    this.viaProxy = viaProxy;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const choice = this.rules.choose(new URL(String(opts.origin)));
    if (!choice) return this.direct.dispatch(opts, handler);
    const key = `${choice.source} ${choice.url.href}`;
    let proxy = this.proxies.get(key);
    if (!proxy) {
      proxy = this.viaProxy(choice);
      this.proxies.set(key, proxy);
    }
    return proxy.dispatch(opts, handler);
  }

  /**
   * The proxy a request to `url` goes through, as the log and the HAR name it (proxyLabel: no user or password), or
   * undefined when it goes direct, or when the setting it would use is malformed (its request fails saying so).
   */
  readonly proxyOf: ProxyOf = (url) => {
    try {
      const choice = this.rules.choose(url);
      return choice && proxyLabel(choice);
    } catch {
      return undefined;
    }
  };

  protected all(): Dispatcher[] {
    return [this.direct, ...this.proxies.values()];
  }
}

/** Names the proxy a request to a URL goes through (ProxyRouting.proxyOf), undefined when it goes direct. */
export type ProxyOf = (url: URL) => string | undefined;
