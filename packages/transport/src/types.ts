/** The public shapes of @regatta/transport: options, requests and answers. */
import type { Authenticator, Scope } from "@regatta/auth";
import type { SecretSet } from "@regatta/errors";
import type { Dispatcher } from "undici";
import type { BodyInit } from "./exchange.js";
import type { HarRecorder } from "./har.js";
import type { Logger } from "./log.js";
import type { RegistryResponse } from "./response.js";
import type { RetryBudget, RetryOptions } from "./retry.js";
import type { Timeouts } from "./timeouts.js";

/** Options of a Transport, merged once when it is built. Nothing here reads a file; `env` is the only input. */
export interface TransportOptions {
  /** Answers `Authorization` for each request and handles 401 challenges; absent = anonymous. */
  authenticator?: Authenticator;
  /** An undici dispatcher to send through (tests, msw bridges). When absent one is built from the options below. */
  dispatcher?: Dispatcher;
  /**
   * `host[:port]` (a bare host: port 443) spoken to over plain http, like docker's `insecure-registries`; `*` is every
   * registry the caller names (never a token realm's or a redirect's host).
   */
  insecureRegistries?: readonly string[];
  /** `auto` (default): https, except loopback and insecure registries, which use http. `http` forces plain http. */
  scheme?: "https" | "http" | "auto";
  /** Extra CA certificates (PEM) to trust, in addition to Node's bundle. */
  ca?: string | Buffer;
  /** How a refusal of `ca` names it: the file it was read from (`--ca-file /etc/ca.pem`), its path through quotePath. Default: "the extra CA bundle (--ca-file, ca)". */
  caName?: string;
  /** Do not verify TLS certificates. Off unless asked. */
  tlsSkipVerify?: boolean;
  /**
   * An explicit proxy URL (http:// or https://; no scheme means http) for every request but loopback and NO_PROXY
   * hosts. Else HTTPS_PROXY for https and HTTP_PROXY for http URLs, from `env` (proxy.ts). A malformed one is a
   * UsageError; its password is one of the client's secrets.
   */
  proxy?: string;
  /** Where proxy variables are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Milliseconds: `connect` (10 s), `idle` (30 s without a byte moving, either direction) and `request` (60 s, the
   * deadline of one attempt of a small request, body included; never applied to blob bodies). See timeouts.ts.
   */
  timeouts?: Timeouts;
  /** Retries of idempotent requests, per operation; defaults 3 retries, 200 ms base, 5 s cap. */
  retry?: RetryOptions;
  /** Redirect hops followed for GET and HEAD. Default 5. */
  maxRedirects?: number;
  /** Verbose HTTP log: one line per request, response, redirect and retry. Never sees headers or bodies. */
  logger?: Logger;
  /**
   * Lines a user should see without the verbose log: one before every wait of 2 s or more (`NOTICE_WAIT_MS`) before
   * a retry (a 429's or 503's `Retry-After` of up to a minute, a long backoff), so a command that pauses says why
   * instead of looking hung. Scrubbed like the log.
   */
  notice?: Logger;
  /** Records every exchange, redacted, as HAR 1.2 (har.ts): `--har FILE`, the REPL's `.har FILE`. */
  har?: HarRecorder;
  /**
   * The secrets this client sends, fed by its authenticator: every error built from a registry's answer and every
   * log line is scrubbed against them. Default: a set of the transport's own (`transport.secrets`).
   */
  secrets?: SecretSet;
  /** Default `regatta/0.0.0`. */
  userAgent?: string;
  /** Clock for timings and `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
  /** Backoff and rate-limit sleep. Default a timer, cleared when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random source for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Connections per origin. Default 8. Keep-alive is on, pipelining off. */
  connections?: number;
  /**
   * Settings of single registries, by registry name as requests give it (`ghcr.io`, `docker.io`, `localhost:5000`):
   * scheme, TLS and connections of the registry's API origin only. Other origins (token realms, blob redirects)
   * keep the settings above. TLS and connections apply to the dispatcher built here, not to an injected one.
   */
  hosts?: Record<string, RegistryHostOptions>;
}

/** What one registry's origin gets instead of the transport-wide settings. */
export interface RegistryHostOptions {
  /** `https` even for a loopback registry, or `http` (as `insecureRegistries` does). Default: `scheme`. */
  scheme?: "https" | "http";
  /** Extra CA certificates (PEM) for this registry, trusted with Node's bundle and the transport-wide `ca`. */
  ca?: string | Buffer;
  /** How a refusal of this `ca` names it (the file it was read from). Default: the registry's origin. */
  caName?: string;
  /** Client certificate (PEM) for mutual TLS with this registry; needs `key`. */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert`. */
  key?: string | Buffer;
  /** `true` skips certificate verification for this registry only; `false` verifies it despite `tlsSkipVerify`. */
  tlsSkipVerify?: boolean;
  /** Connections to this registry (with no pipelining, the requests in flight to it). Default `connections`. */
  connections?: number;
  /** Requests a second to this registry's origin, at most (rate-limit.ts); fractions allowed. Default: no limit. */
  requestRate?: number;
}

/** One request to a registry's API. */
export interface RegistryRequest {
  /** Registry name as in a reference: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  method: string;
  /** Path on the registry, `/v2/…`. */
  path?: string;
  /** An absolute URL (e.g. an upload Location); a relative one is resolved against the registry's base URL. */
  url?: string;
  /** Query parameters added to the URL; undefined values are skipped. */
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** A string, bytes or a stream factory can be replayed (after a 401, on retry); a bare stream is sent once. */
  body?: BodyInit;
  /** Token scopes this request needs. */
  scopes: Scope[];
  /**
   * Whether the registry's credentials may go with the request (fetch's words): `same-origin` (the default) sends
   * them to the registry's own origin only; `omit` never, for a URL reached through a chain that left the origin
   * once (an upload session's Locations, `CredentialChain`).
   */
  credentials?: "same-origin" | "omit";
  /**
   * With `omit` for a chain that left the origin: where it left it (`CredentialChain.leftAt`). A 401/403 of the
   * registry then says credentials were withheld for that reason (`AccessFacts.withheldAfter`), not that they were
   * refused or missing.
   */
  withheldAfter?: string;
  signal?: AbortSignal;
  /** What is being done, for error messages: "get manifest docker.io/library/alpine:3". */
  context?: string;
  /** Statuses that count as success. Default any 2xx. */
  expect?: number[];
  /** Whether the request may be repeated. Default: yes for GET, HEAD, PUT, DELETE; no for POST, PATCH. */
  idempotent?: boolean;
  /**
   * A blob body in either direction: no request deadline (only the idle timeout), and the response body streams
   * instead of being read before the response is returned. Default: true when `body` is a stream or a factory.
   */
  streaming?: boolean;
  /** The retry budget of the operation this request belongs to (default: a fresh one, `retry.attempts`). */
  retryBudget?: RetryBudget;
  /** Called with each answer the retry concern discards (before its body is released). */
  onDiscard?: (response: RegistryResponse) => Promise<void>;
}

/** The answer to a ping of `/v2/`. */
export interface PingResult {
  /** 200 (anonymous access) or 401 (authentication required). */
  status: number;
  /** `Docker-Distribution-API-Version`, e.g. `registry/2.0`. */
  apiVersion?: string;
  /** The `WWW-Authenticate` challenge of a 401. */
  challenge?: string;
}
