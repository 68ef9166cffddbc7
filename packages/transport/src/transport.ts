/**
 * The Transport: one undici dispatcher per client and the stack of HTTP concerns every registry request goes
 * through, composed in one place (the constructor). Everything else in this package is one concern per file.
 */

import { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type { Authenticator, AuthHttpRequest, AuthHttpResponse, Send } from "@regatta/auth";
import {
  errorFromResponse,
  notRegistryError,
  ProtocolError,
  redactUrl,
  SecretSet,
  UsageError,
} from "@regatta/errors";
import { apiHostOf, isLoopbackRegistry } from "@regatta/reference";
import type { Dispatcher } from "undici";
import { authenticating, foreignChallengeError } from "./auth.js";
import { EVERY_REGISTRY, insecureEntryHost, isInsecure, registryBaseUrl } from "./base-url.js";
import { dumpBody, ERROR_BODY_LIMIT, readBody, readErrorBody } from "./body.js";
import { createDispatcher, guardDispatcher, type OriginSettings } from "./dispatcher.js";
import {
  bodySource,
  compose,
  type Exchange,
  type Handler,
  isIdempotentMethod,
  type RawResponse,
  TOKEN_REQUEST,
} from "./exchange.js";
import { recording } from "./har.js";
import { httpsPortError, isHttpsPortAnswer, isHttpsPortError } from "./https-port.js";
import { logging, scrubbing } from "./log.js";
import { type FailedRequest, isCertificateRefusal, mapTransportError } from "./map-error.js";
import { ProxyRouting, proxyPasswords } from "./proxy.js";
import { rateLimiting } from "./rate-limit.js";
import { redirecting } from "./redirect.js";
import { requestUrl } from "./request-url.js";
import { type RegistryResponse, toRegistryResponse } from "./response.js";
import { type RetryPolicy, retrying, retryPolicy } from "./retry.js";
import {
  mayBeTlsPort,
  noTlsAnswered,
  TLS_PROBE_MS,
  withInsecureHint,
  withoutHttpsHint,
} from "./scheme-fallback.js";
import { createSend } from "./send.js";
import { answerFacts, answersAsRegistry, statusErrors } from "./status.js";
import { deadline, type ResolvedTimeouts, resolveTimeouts } from "./timeouts.js";
import type { PingResult, RegistryHostOptions, RegistryRequest, TransportOptions } from "./types.js";
import { VERSION } from "./version.js";

/** Default `User-Agent`: the product and its version (https://www.rfc-editor.org/rfc/rfc9110#name-user-agent). */
export const DEFAULT_USER_AGENT = `regatta/${VERSION}`;

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/**
 * Sends requests to registries: auth, retries, redirects, timeouts, TLS, proxies and a redacted verbose log, with
 * typed errors. One per client; `close()` it when done.
 */
/**
 * A timer that is cleared when the caller aborts (the abortable wait above it has already rejected by then, so the
 * timer's own AbortError is nobody's and is dropped).
 */
function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined).catch(() => {});
}

export class Transport {
  readonly #options: TransportOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  /** The https probe's dispatcher: its own short connect timeout (the given dispatcher when one was given). */
  readonly #probeDispatcher: Dispatcher;
  readonly #timeouts: ResolvedTimeouts;
  readonly #retry: RetryPolicy;
  readonly #userAgent: string;
  /** The full stack, for registry API requests. */
  readonly #stack: Handler;
  /** The stack without auth and status judgement, for pings and token requests. */
  readonly #bare: Handler;
  /** The https probe (#probeTls): one attempt, no retries, its own short deadline (scheme-fallback.ts TLS_PROBE_MS). */
  readonly #probe: Handler;
  #authenticator: Authenticator | undefined;
  /** What this client sent that must never be printed (issue 10, item 3); the authenticator adds to it. */
  readonly #secrets: SecretSet;
  #closing: Promise<void> | undefined;
  readonly #pings = new Map<string, Promise<PingResult>>();
  /** Registries that have answered as registries (status.ts): their odd answers are never "not a registry". */
  readonly #registries = new Set<string>();
  /** Challenges already seen, handed to an authenticator set later. */
  readonly #challenges = new Map<string, string>();
  /** Origins of the registries this client was asked about; any other destination a server chose is checked
   * against the address policy before it is connected to (dispatcher.ts). */
  readonly #trustedOrigins = new Set<string>();
  /**
   * Each origin's own settings (TLS, connections), which the dispatchers read when they first connect there: the
   * `hosts` given, the listed insecure registries, and under `insecureRegistries: ["*"]` each registry once named.
   */
  readonly #perOrigin: Map<string, OriginSettings>;
  /** Registries the caller named (baseUrl): under `insecureRegistries: ["*"]`, the insecure ones. */
  readonly #named = new Set<string>();
  /** Registries spoken to over http by default that answered as an https port: https from then on (https-port.ts). */
  readonly #upgraded = new Set<string>();
  /** Insecure-listed registries whose https port had no TLS to answer: plain http from then on (scheme-fallback.ts). */
  readonly #downgraded = new Set<string>();
  /**
   * Registries that have answered over https: never switched to plain http after that, whatever fails later (a
   * reset after a working exchange would otherwise send the credentials in clear; docker's confirmedTLSRegistries).
   */
  readonly #tlsAnswered = new Set<string>();
  /**
   * Registries spoken to over plain http by default that have answered there from their own origin: their scheme is
   * decided, and no failure later (a PATCH cut mid-upload) sends an https probe to the port again (#tlsAnswers).
   */
  readonly #plainAnswered = new Set<string>();
  /** The https probe of each loopback registry whose plain-http port failed as a TLS port would (#tlsAnswers). */
  readonly #tlsProbes = new Map<string, Promise<boolean>>();
  /** Loopback registries whose https probe found no TLS: their plain-http failures do not suggest https. */
  readonly #noTls = new Set<string>();
  /**
   * The https probe's certificate refusal, per loopback registry whose port speaks TLS with a certificate this client
   * does not trust: the error to show for its plain-http failures ("self-signed certificate: --ca-file"), not the
   * reset the plain request met, which says nothing a person can act on.
   */
  readonly #tlsRefusals = new Map<string, unknown>();

  constructor(options: TransportOptions = {}) {
    this.#options = options;
    this.#authenticator = options.authenticator;
    this.#secrets = options.secrets ?? new SecretSet();
    // A proxy's password is this client's secret too: no log line, HAR entry or error may show it.
    for (const password of proxyPasswords({ proxy: options.proxy, env: options.env }))
      this.#secrets.add(password);
    const logger = scrubbing(options.logger, this.#secrets);
    const notice = scrubbing(options.notice, this.#secrets);
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#timeouts = resolveTimeouts(options.timeouts);
    const now = options.now ?? Date.now;
    this.#perOrigin = this.#originSettings(options.hosts ?? {});
    this.#ownsDispatcher = !options.dispatcher;
    const dispatcherOptions = {
      trustedOrigins: this.#trustedOrigins,
      connectTimeout: this.#timeouts.connect,
      readTimeout: this.#timeouts.idle,
      connections: options.connections ?? 8,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.caName !== undefined ? { caName: options.caName } : {}),
      ...(options.tlsSkipVerify ? { tlsSkipVerify: true } : {}),
      ...(options.proxy ? { proxy: options.proxy } : {}),
      ...(options.env ? { env: options.env } : {}),
      originSettings: this.#perOrigin,
    };
    this.#dispatcher =
      (options.dispatcher && guardDispatcher(options.dispatcher, this.#trustedOrigins)) ??
      createDispatcher(dispatcherOptions);
    // The https probe's connections (#probeTls): a connect timeout of its own. undici applies an abort only once a
    // connection is made, so the probe's deadline alone would still wait out the full connect timeout of a port that
    // never answers the TLS handshake.
    const probeMs = Math.min(this.#timeouts.connect, TLS_PROBE_MS);
    this.#probeDispatcher = options.dispatcher
      ? this.#dispatcher
      : createDispatcher({ ...dispatcherOptions, connectTimeout: probeMs, connections: 1 });
    const send = createSend(this.#dispatcher, {
      connectTimeout: this.#timeouts.connect,
      idleTimeout: this.#timeouts.idle,
      requestTimeout: this.#timeouts.request,
    });
    // Which proxy each hop goes through, for `-v` and the HAR: known only of the dispatcher built here.
    const proxyOf = this.#dispatcher instanceof ProxyRouting ? this.#dispatcher.proxyOf : undefined;
    const log = logging(logger, now, proxyOf);
    const record = recording(options.har, this.#secrets, now, proxyOf);
    const follow = redirecting(options.maxRedirects ?? 5, this.#secrets, logger);
    const sleep = options.sleep ?? defaultSleep;
    this.#retry = retryPolicy({
      attempts: options.retry?.attempts ?? 3,
      baseDelayMs: options.retry?.baseDelayMs ?? 200,
      maxDelayMs: options.retry?.maxDelayMs ?? 5000,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 60_000,
      sleep,
      now,
      random: options.random ?? Math.random,
      ...(logger ? { logger } : {}),
      ...(notice ? { notice } : {}),
    });
    const retry = retrying(this.#retry);
    const rate = rateLimiting({ rates: this.#requestRates(options.hosts ?? {}), now, sleep });
    const perAttempt = deadline(this.#timeouts.request);
    const auth = authenticating({
      authenticator: () => this.#authenticator,
      ping: (registry, signal) => this.ping(registry, signal),
    });

    // The stack, outermost first: a request meets the concerns in this order, its response in reverse.
    this.#stack = compose(
      statusErrors(this.#secrets, this.#registries), // status.ts unexpected status → typed error from ≤64 KiB of body, scrubbed
      auth, //                    auth.ts      Authorization; one replay after a 401 challenge; 403 final
      retry, //                   retry.ts     408/429/5xx, resets, connect timeouts; backoff + Retry-After; budget
      rate, //                    rate-limit.ts a host's requestRate: each attempt waits for its turn
      perAttempt, //              timeouts.ts  deadline of one attempt of a small request, body included
      follow, //                  redirect.ts  3xx for GET/HEAD; credentials dropped across origins
      log, //                     log.ts       one redacted line per hop
      record, //                  har.ts       one redacted HAR entry per hop, when recording
    )(send); //                   send.ts      undici dispatcher, connect and idle timeouts; small bodies read
    // Pings and token requests: no auth (auth is built from them) and no status judgement (a 401 is an answer).
    this.#bare = compose(retry, rate, perAttempt, follow, log, record)(send);
    const probeSend = createSend(this.#probeDispatcher, {
      connectTimeout: probeMs,
      idleTimeout: probeMs,
      requestTimeout: probeMs,
    });
    this.#probe = compose(deadline(probeMs), follow, log, record)(probeSend);
  }

  /** The secrets this client sends (hand it to `createAuthenticator({ secrets })`, which feeds it). */
  get secrets(): SecretSet {
    return this.#secrets;
  }

  /** The authenticator in use, if any. */
  get authenticator(): Authenticator | undefined {
    return this.#authenticator;
  }

  /**
   * Sets (or removes) the authenticator after construction, to break the cycle
   * `createAuthenticator({ send: transport.authSend })` ↔ `new Transport({ authenticator })`.
   * Challenges learnt by earlier pings are handed to the new authenticator.
   */
  setAuthenticator(authenticator: Authenticator | undefined): void {
    this.#authenticator = authenticator;
    if (authenticator)
      for (const [registry, challenge] of this.#challenges) authenticator.learn(registry, challenge);
  }

  /** Each registry's settings (`hosts`) by the origin of its API, for the dispatcher. */
  #originSettings(hosts: Record<string, RegistryHostOptions>): Map<string, OriginSettings> {
    const byOrigin = new Map<string, OriginSettings>();
    for (const [registry, { scheme, requestRate: __, ...settings }] of Object.entries(hosts)) {
      const base = new URL(this.#baseUrl(registry));
      byOrigin.set(base.origin, settings);
      // A registry on http by default may turn out to speak https (#upgrade): its settings apply there too.
      if (scheme === undefined && base.protocol === "http:") byOrigin.set(`https://${base.host}`, settings);
    }
    // A registry listed as insecure is spoken to over https without verification before plain http, as docker's
    // insecure-registries are (a bare host: its port 443). A host's own `tls` setting, above, comes first.
    for (const entry of this.#options.insecureRegistries ?? []) {
      const host = insecureEntryHost(entry);
      // Loopback too: it starts at plain http, and when its port turns out to speak https, listing it insecure
      // means that https is not verified (docker's and skopeo's --tls-verify=false).
      if (!host || host === EVERY_REGISTRY || /[/\s?#@]/.test(host)) continue;
      // As a URL's origin, which the dispatcher looks settings up by: `reg.lan:443` is `https://reg.lan`.
      const origin = URL.canParse(`https://${apiHostOf(host)}`)
        ? new URL(`https://${apiHostOf(host)}`).origin
        : "";
      if (origin) byOrigin.set(origin, { tlsSkipVerify: true, ...byOrigin.get(origin) });
    }
    return byOrigin;
  }

  /** Each registry's `requestRate` by the origin of its API, for the rate-limit concern. */
  #requestRates(hosts: Record<string, RegistryHostOptions>): Map<string, number> {
    const byOrigin = new Map<string, number>();
    for (const [registry, { requestRate }] of Object.entries(hosts)) {
      if (requestRate === undefined) continue;
      // Zero would be a wait forever, and NaN or a negative rate no limit at all: refused when the client is built.
      if (!(requestRate > 0 && Number.isFinite(requestRate))) {
        throw new UsageError(
          `hosts["${registry}"].requestRate must be a positive number of requests a second, not ${requestRate}`,
        );
      }
      byOrigin.set(new URL(this.#baseUrl(registry)).origin, requestRate);
    }
    return byOrigin;
  }

  /** The base URL of a registry's API: `https://registry-1.docker.io` for `docker.io`, `http://127.0.0.1:5000`. */
  baseUrl(registry: string): string {
    const base = this.#baseUrl(registry);
    // A registry the caller names is the caller's choice: its origin is trusted (not checked by address).
    this.#trustedOrigins.add(new URL(base).origin);
    if (!this.#named.has(registry) && this.#options.insecureRegistries?.includes(EVERY_REGISTRY)) {
      this.#named.add(registry);
      // As a listed one (#originSettings): its https unverified, a host's own `tls` first. Before its first request,
      // so the dispatchers, which read an origin's settings when they first connect there, see it.
      const origin = new URL(`https://${apiHostOf(registry)}`).origin;
      this.#perOrigin.set(origin, { tlsSkipVerify: true, ...this.#perOrigin.get(origin) });
    }
    return base;
  }

  #baseUrl(registry: string): string {
    if (this.#upgraded.has(registry)) return `https://${apiHostOf(registry)}`;
    if (this.#downgraded.has(registry)) return `http://${apiHostOf(registry)}`;
    // A registry's own scheme (`hosts[registry].scheme`) comes before the transport's.
    const scheme = this.#options.hosts?.[registry]?.scheme ?? this.#options.scheme;
    return registryBaseUrl(registry, {
      ...(scheme ? { scheme } : {}),
      ...(this.#options.insecureRegistries ? { insecureRegistries: this.#options.insecureRegistries } : {}),
    });
  }

  /**
   * Switches a registry to https after a plain-http request to it was answered by an https port (https-port.ts), when
   * http was only the default (loopback or `insecureRegistries`), never a scheme the caller chose. True when switched.
   */
  #upgrade(registry: string): boolean {
    if (this.#upgraded.has(registry) || this.#plainAnswered.has(registry) || this.#pinned(registry))
      return false;
    if (!this.#baseUrl(registry).startsWith("http:")) return false;
    this.#upgraded.add(registry);
    this.#pings.delete(registry);
    return true;
  }

  /**
   * Whether a failed request's answer made this registry switch to https (https-port.ts): the https port's 400 and
   * its words, or a bare 400 (a HEAD has no body to say why) after which a ping over http hears those words.
   */
  async #learntHttps(registry: string, error: unknown): Promise<boolean> {
    if (isHttpsPortError(error)) return this.#upgrade(registry);
    const bare400 =
      (error as { status?: unknown }).status === 400 &&
      !this.#registries.has(registry) &&
      !this.#upgraded.has(registry) &&
      this.#baseUrl(registry).startsWith("http:");
    if (!bare400) return false;
    await this.ping(registry).catch(() => undefined);
    return this.#upgraded.has(registry);
  }

  /**
   * Whether this host may be sent credentials over plain http, for auth's `allowHttpRealm`: a token realm on http is
   * only acceptable while the registry itself is spoken to over plain http (loopback, insecure after no TLS
   * answered, or `scheme: "http"`), and on the realm's own host only when that host may speak it too.
   */
  allowsHttp(host: string): boolean {
    // Not baseUrl(): asking about a realm's host must not make its origin a trusted one.
    const base = this.#baseUrl(host);
    if (base.startsWith("http:")) return true;
    // An insecure registry spoken to over https, or a host that answered over TLS: its password never goes in clear,
    // as its requests never fall back to http once TLS answered (#downgrade, docker's confirmedTLSRegistries). Only an
    // insecure-listed host this client has not spoken to (a token server of its own) may still be on plain http.
    if (this.#trustedOrigins.has(new URL(base).origin) || this.#tlsAnswered.has(host)) return false;
    return this.#insecureListed(host);
  }

  /** Whether the caller listed this registry as insecure and left its scheme to the transport. */
  #insecureListed(registry: string): boolean {
    if (this.#pinned(registry)) return false;
    if (isLoopbackRegistry(apiHostOf(registry))) return false;
    // `*`: every registry the caller named, never another host (a token realm's) that was not one of them.
    return this.#named.has(registry) || isInsecure(registry, this.#options.insecureRegistries);
  }

  /** Whether the caller chose this registry's scheme (its host's, or the transport's): never switched then. */
  #pinned(registry: string): boolean {
    const chosen = this.#options.hosts?.[registry]?.scheme ?? this.#options.scheme;
    return chosen !== undefined && chosen !== "auto";
  }

  /**
   * Plain http for an insecure-listed registry whose https attempt found no TLS (scheme-fallback.ts), as docker
   * falls back for its insecure registries. True when switched.
   */
  #downgrade(registry: string, error: unknown): boolean {
    if (this.#downgraded.has(registry) || this.#upgraded.has(registry) || this.#tlsAnswered.has(registry))
      return false;
    if (!this.#insecureListed(registry) || !noTlsAnswered(error)) return false;
    this.#downgraded.add(registry);
    this.#options.logger?.(`~ ${registry}: no TLS answered on https; plain http, as it is listed insecure`);
    return true;
  }

  /**
   * Whether a loopback registry spoken to over http by default, whose port hung up on a plain request or answered no
   * HTTP, answers https instead (scheme-fallback.ts): one bare `GET /v2/` over https decides, and the switch holds
   * for the run. False, and nothing switched, when https does not answer either.
   */
  async #tlsAnswers(registry: string, error: unknown, signal?: AbortSignal): Promise<boolean> {
    if (!mayBeTlsPort(error) || this.#pinned(registry)) return false;
    // Decided already: https answered, no TLS answered on https (an insecure registry), or plain http answered.
    if ([this.#upgraded, this.#downgraded, this.#plainAnswered].some((decided) => decided.has(registry)))
      return false;
    if (!this.#baseUrl(registry).startsWith("http:")) return false;
    // One probe per registry: requests failing at once share it, and its "no" holds for the run, so a port that
    // neither speaks https nor stays up is not probed again after every failed request.
    let probe = this.#tlsProbes.get(registry);
    if (!probe) {
      probe = this.#probeTls(registry, signal);
      this.#tlsProbes.set(registry, probe);
      // A probe the caller stopped learnt nothing: the next failure may ask again.
      void probe.then(() => {
        if (signal?.aborted) this.#tlsProbes.delete(registry);
      });
    }
    return probe;
  }

  /** The probe's certificate refusal, for a failure over plain http that made this registry's port look like TLS. */
  #tlsRefusalFor(registry: string, error: unknown): unknown {
    if (!mayBeTlsPort(error) || !this.#baseUrl(registry).startsWith("http:")) return undefined;
    return this.#tlsRefusals.get(registry);
  }

  /**
   * A plain-http failure of a registry whose https probe found no TLS: without the hint that suggests https. An https
   * failure of a registry the caller listed insecure (--insecure): never "use --insecure", but why http was not tried.
   */
  #probedNoTls(registry: string, error: unknown): unknown {
    const loopback = isLoopbackRegistry(apiHostOf(registry));
    if (!loopback && (this.#named.has(registry) || isInsecure(registry, this.#options.insecureRegistries))) {
      return withInsecureHint(
        error,
        this.#pinned(registry)
          ? `${registry} is marked insecure, but its own tls setting (hosts) pins https: set its tls to disabled for plain http`
          : `${registry} answered over https earlier in this run, so plain http is not tried (no credentials in clear after TLS)`,
      );
    }
    if (!this.#noTls.has(registry) || !mayBeTlsPort(error)) return error;
    return withoutHttpsHint(error);
  }

  /**
   * One bare `GET /v2/` over https to a registry spoken to over http: true (and switched) if the port answers. One
   * attempt with a short deadline (#probe): it is a diagnosis, and a port that never answers the handshake must not
   * hold the command for the retry stack's attempts × the connect timeout.
   */
  async #probeTls(registry: string, signal?: AbortSignal): Promise<boolean> {
    const url = new URL("/v2/", `https://${apiHostOf(registry)}`);
    try {
      const probe = this.#exchange({
        registry,
        method: "GET",
        url,
        scopes: [],
        context: `https probe of ${registry}`,
        signal,
      });
      const answer = await this.#probe(probe);
      await dumpBody(answer.body);
      // Only this port's own answer says it speaks https, not one from where it redirected the probe.
      if (new URL(answer.url).origin !== url.origin) return false;
    } catch (error) {
      if (isCertificateRefusal(error)) this.#tlsRefusals.set(registry, error);
      else if (!signal?.aborted) this.#noTls.add(registry);
      return false;
    }
    this.#upgraded.add(registry);
    this.#options.logger?.(`~ ${registry}: the port speaks https; https from now on`);
    return true;
  }

  /**
   * `GET /v2/`, once per registry (the promise is cached; a failure is not). A 401's `WWW-Authenticate` is handed
   * to the authenticator, so later requests can carry a token from the start.
   */
  ping(registry: string, signal?: AbortSignal): Promise<PingResult> {
    let pending = this.#pings.get(registry);
    if (!pending) {
      pending = this.#ping(registry, signal);
      this.#pings.set(registry, pending);
      pending.catch(() => this.#pings.delete(registry));
    }
    return pending;
  }

  async #ping(registry: string, signal?: AbortSignal): Promise<PingResult> {
    const url = new URL("/v2/", this.baseUrl(registry));
    const context = `ping ${registry}`;
    let response: RawResponse;
    try {
      response = await this.#bare(
        this.#exchange({ registry, method: "GET", url, scopes: [], context, signal }),
      );
    } catch (error) {
      if (this.#downgrade(registry, error) || (await this.#tlsAnswers(registry, error, signal)))
        return this.#ping(registry, signal);
      throw this.#tlsRefusalFor(registry, error) ?? this.#probedNoTls(registry, error);
    }
    if (url.protocol === "https:") this.#tlsAnswered.add(registry);
    const apiVersion = response.headers["docker-distribution-api-version"];
    // Only the registry's own origin speaks for it: a challenge from where /v2/ was redirected is not learnt.
    const own = new URL(response.url).origin === url.origin;
    const challenge = own ? response.headers["www-authenticate"] : undefined;
    if (answersAsRegistry(response) || (response.status === 401 && challenge)) this.#registries.add(registry);
    if (response.status === 200 || (response.status === 401 && challenge)) {
      if (own && url.protocol === "http:") this.#plainAnswered.add(registry);
      await dumpBody(response.body);
      if (challenge) {
        this.#challenges.set(registry, challenge);
        this.#authenticator?.learn(registry, challenge);
      }
      return {
        status: response.status,
        ...(apiVersion ? { apiVersion } : {}),
        ...(challenge ? { challenge } : {}),
      };
    }
    const body = await readErrorBody(response.body, response.headers["content-type"]);
    if (!own && response.status === 401) {
      throw foreignChallengeError({
        registry,
        baseOrigin: url.origin,
        method: "GET",
        url: response.url,
        context,
      });
    }
    if (isHttpsPortAnswer({ status: response.status, url: response.url, body })) {
      if (this.#upgrade(registry)) return this.#ping(registry, signal);
      throw httpsPortError({ method: "GET", url: response.url, context });
    }
    const foreign = notRegistryError({
      method: "GET",
      url: response.url,
      status: response.status,
      headers: response.headers,
      body,
      context,
    });
    if (foreign) throw foreign;
    if (response.status === 404) {
      throw new ProtocolError(
        `${context}: GET /v2/ answered 404; ${registry} does not serve the Registry v2 API`,
        {
          status: 404,
          request: { method: "GET", url: url.href },
        },
      );
    }
    // Its body read as every request's is (status.ts): a text/plain one shown, HTML and other JSON not.
    throw errorFromResponse({
      method: "GET",
      url: response.url,
      status: response.status,
      body,
      ...answerFacts(response),
      context,
      secrets: this.#secrets,
    });
  }

  /**
   * Sends one registry request through the whole stack. Resolves with the response when its status is expected
   * (default 2xx); otherwise rejects with a typed error.
   */
  async request(req: RegistryRequest): Promise<RegistryResponse> {
    const base = this.baseUrl(req.registry);
    let url: URL;
    try {
      url = new URL(req.url ?? req.path ?? "/v2/", base);
    } catch (err) {
      throw new UsageError(`invalid request URL "${req.url ?? req.path}"`, { cause: err });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      // A full URL comes from the registry (an upload Location, a Link): its fault, named with where it sent us.
      if (req.url !== undefined) {
        throw new ProtocolError(
          `${req.context ? `${req.context}: ` : ""}${req.registry} sent the request to a ${url.protocol} URL; refused`,
          { code: "BAD_LOCATION", request: { method: req.method, url: redactUrl(url) } },
        );
      }
      throw new UsageError(`refusing to send a registry request to a ${url.protocol} URL`);
    }
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const baseOrigin = new URL(base).origin;
    const exchange = this.#exchange({ ...req, url, baseOrigin });
    let raw: RawResponse;
    // Only a request to the registry's own origin says anything about its scheme, or may be sent again in another.
    const own = url.origin === baseOrigin;
    const overTls = own && url.protocol === "https:";
    try {
      raw = await this.#stack(exchange);
      if (overTls) this.#tlsAnswered.add(req.registry);
      // Answered in plain http by the registry's own origin (not where it redirected to): the port speaks it.
      if (own && url.protocol === "http:" && new URL(raw.url).origin === baseOrigin)
        this.#plainAnswered.add(req.registry);
    } catch (error) {
      // An HTTP answer (any status) came over TLS: this registry speaks https, and is never tried in clear after.
      if (overTls && typeof (error as { status?: unknown }).status === "number")
        this.#tlsAnswered.add(req.registry);
      // The registry's port speaks https (https-port.ts): the same request again, once, there. A streamed body
      // cannot be sent twice; the next request goes to https anyway.
      const replayable = !(req.body instanceof Readable);
      if (replayable && own && (await this.#learntHttps(req.registry, error))) {
        const upgraded = new URL(url.href);
        upgraded.protocol = "https:";
        return this.request({ ...req, url: upgraded.href });
      }
      // A loopback port that hung up on plain http but answers https (scheme-fallback.ts): again there, once.
      if (replayable && own && (await this.#tlsAnswers(req.registry, error, req.signal))) {
        this.#pings.delete(req.registry);
        const upgraded = new URL(url.href);
        upgraded.protocol = "https:";
        return this.request({ ...req, url: upgraded.href });
      }
      // An insecure-listed registry's https port without TLS: the same request again over plain http, once.
      if (replayable && own && this.#downgrade(req.registry, error)) {
        this.#pings.delete(req.registry);
        const downgraded = new URL(url.href);
        downgraded.protocol = "http:";
        return this.request({ ...req, url: downgraded.href });
      }
      // Any other status from its own origin over plain http is the registry answering there too (an https port
      // answers plain http with a 400 only, https-port.ts).
      const status = (error as { status?: unknown }).status;
      if (own && url.protocol === "http:" && typeof status === "number" && status !== 400)
        this.#plainAnswered.add(req.registry);
      throw (own && this.#tlsRefusalFor(req.registry, error)) || this.#probedNoTls(req.registry, error);
    }
    return toRegistryResponse(raw, (err) => mapTransportError(err, this.#failed(exchange, raw.url)), {
      method: exchange.method,
      ...(exchange.context ? { context: exchange.context } : {}),
    });
  }

  /**
   * Sends a token request for @regatta/auth (`createAuthenticator({ send: transport.authSend })`): same dispatcher,
   * log, retries and redirects, no registry auth, body capped at 64 KiB. Never throws on an HTTP status.
   */
  readonly authSend: Send = async (req: AuthHttpRequest): Promise<AuthHttpResponse> => {
    const url = new URL(req.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ProtocolError(`refusing a token request to a ${url.protocol} URL`);
    }
    const exchange = this.#exchange({
      registry: url.host,
      method: req.method,
      url,
      headers: req.headers,
      body: req.body,
      scopes: [],
      signal: req.signal,
      context: TOKEN_REQUEST,
    });
    const raw = await this.#bare(exchange);
    const mapError = (err: unknown) => mapTransportError(err, this.#failed(exchange, raw.url));
    // Named as every other token error names it: the realm, redacted, without its query.
    const what = `token response from ${redactUrl(`${url.origin}${url.pathname}`)}`;
    const body = await readBody(raw.body, ERROR_BODY_LIMIT, mapError, what);
    return { status: raw.status, headers: raw.headers, body: body.toString("utf8"), url: raw.url };
  };

  /**
   * The retry policy of this transport (attempts, backoff, `Retry-After`, budgets): for the operations above it that
   * recover on their own (a blob download resuming after a cut, an upload taking up a session again), so that one
   * place decides how long to wait and how many retries an operation gets.
   */
  get retryPolicy(): RetryPolicy {
    return this.#retry;
  }

  /**
   * Maps an error of a response body being read after `request()` resolved (a read timeout, a reset, an abort) to a
   * typed error naming the request, as the transport maps errors of the requests themselves: for a streamed body
   * (a blob) that the caller reads on its own.
   */
  mapBodyError(
    err: unknown,
    response: RegistryResponse,
    request: { registry: string; method?: string; signal?: AbortSignal; context?: string },
  ): unknown {
    return mapTransportError(err, {
      registry: request.registry,
      method: request.method ?? "GET",
      url: response.url,
      timeouts: this.#timeouts,
      answered: true,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.context ? { context: request.context } : {}),
    });
  }

  /** Closes the dispatcher this Transport built (an injected one is left to its owner). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsDispatcher
      ? Promise.all([this.#dispatcher.close(), this.#probeDispatcher.close()]).then(() => undefined)
      : Promise.resolve();
    return this.#closing;
  }

  #exchange(req: {
    registry: string;
    method: string;
    url: URL;
    baseOrigin?: string;
    headers?: Record<string, string> | undefined;
    body?: RegistryRequest["body"];
    scopes: RegistryRequest["scopes"];
    signal?: AbortSignal | undefined;
    context?: string | undefined;
    expect?: number[] | undefined;
    idempotent?: boolean | undefined;
    streaming?: boolean | undefined;
    retryBudget?: RegistryRequest["retryBudget"];
    onDiscard?: RegistryRequest["onDiscard"];
    credentials?: RegistryRequest["credentials"];
    withheldAfter?: RegistryRequest["withheldAfter"];
  }): Exchange {
    const method = req.method.toUpperCase();
    const body = bodySource(req.body);
    const onDiscard = req.onDiscard;
    // A registry's upload Location or Link, a realm: its masked values become secrets, its fragment is not sent.
    const url = requestUrl(req.url, this.#secrets);
    return {
      registry: req.registry,
      baseOrigin: req.baseOrigin ?? url.origin,
      ...(req.credentials === "omit" ? { credentials: "omit" as const } : {}),
      ...(req.credentials === "omit" && req.withheldAfter ? { withheldAfter: req.withheldAfter } : {}),
      method,
      url,
      headers: { "user-agent": this.#userAgent, ...lowerCaseKeys(req.headers) },
      body,
      scopes: req.scopes,
      idempotent: req.idempotent ?? isIdempotentMethod(method),
      // A body given as a stream is a blob on its way up; a blob GET says so itself.
      streaming: req.streaming ?? (typeof req.body === "function" || req.body instanceof Readable),
      ...(req.retryBudget ? { budget: req.retryBudget } : {}),
      ...(onDiscard ? { onDiscard: (r: RawResponse) => onDiscard(toRegistryResponse(r, (err) => err)) } : {}),
      ...(req.expect ? { expect: req.expect } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.context ? { context: req.context } : {}),
    };
  }

  #failed(exchange: Exchange, url: string): FailedRequest {
    return {
      registry: exchange.registry,
      method: exchange.method,
      url,
      secrets: this.#secrets,
      timeouts: this.#timeouts,
      baseOrigin: exchange.baseOrigin,
      // Every caller maps an error of reading a response's body: the port answered in HTTP.
      answered: true,
      ...(exchange.signal ? { signal: exchange.signal } : {}),
      ...(exchange.context ? { context: exchange.context } : {}),
    };
  }
}
