/** The public shapes of @regatta/transport: options, requests, and the blob helpers' arguments and results. */
import type { Readable } from "node:stream";
import type { Authenticator, Scope } from "@regatta/auth";
import type { SecretSet } from "@regatta/errors";
import type { Dispatcher } from "undici";
import type { BodyInit } from "./exchange.js";
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
  /** `host[:port]` (or bare host: any port) spoken to over plain http, like docker's `insecure-registries`. */
  insecureRegistries?: readonly string[];
  /** `auto` (default): https, except loopback and insecure registries, which use http. `http` forces plain http. */
  scheme?: "https" | "http" | "auto";
  /** Extra CA certificates (PEM) to trust, in addition to Node's bundle. */
  ca?: string | Buffer;
  /** Do not verify TLS certificates. Off unless asked. */
  tlsSkipVerify?: boolean;
  /** An explicit proxy URL for every request. Else HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env` when set. */
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
   * The secrets this client sends, fed by its authenticator: every error built from a registry's answer and every
   * log line is scrubbed against them. Default: a set of the transport's own (`transport.secrets`).
   */
  secrets?: SecretSet;
  /** Default `regatta/0.0.0`. */
  userAgent?: string;
  /** Clock for timings and `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
  /** Backoff sleep. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
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
  /** Client certificate (PEM) for mutual TLS with this registry; needs `key`. */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert`. */
  key?: string | Buffer;
  /** `true` skips certificate verification for this registry only; `false` verifies it despite `tlsSkipVerify`. */
  tlsSkipVerify?: boolean;
  /** Connections to this registry (with no pipelining, the requests in flight to it). Default `connections`. */
  connections?: number;
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

/** A blob to download. */
export interface BlobRequest {
  registry: string;
  repository: string;
  /** `sha256:…`: what the bytes are verified against. */
  digest: string;
  /** Expected size in bytes (from the descriptor). Checked early against Content-Length and at EOF. */
  size?: number;
  /** Resume from this byte (`Range: bytes=offset-`). Requires `prefix`. */
  offset?: number;
  /**
   * The bytes [0, offset) the caller already holds (e.g. `fs.createReadStream(partialFile)`), hashed before the
   * network bytes so the digest of the whole blob can still be checked. Must be exactly `offset` bytes long.
   */
  prefix?: Uint8Array | AsyncIterable<Uint8Array>;
  /**
   * Hash the bytes and fail on a digest mismatch (default true). Off only when another party checks the digest
   * anyway, as a registry does for a blob streamed into it by a copy; the size is checked either way.
   */
  verifyDigest?: boolean;
  /**
   * The retry budget of the download: retries of its GETs and resumptions after a cut share it. Default a fresh one
   * of `retry.attempts`; pass one to share it with the caller's own retries.
   */
  retryBudget?: RetryBudget;
  signal?: AbortSignal;
  context?: string;
}

/** A verified blob stream. It fails with SizeMismatchError or DigestMismatchError instead of ending on bad data. */
export interface BlobDownload {
  /** The bytes from `offset` on. */
  stream: Readable;
  /** Total size of the blob, when known. */
  size?: number;
  /** Where `stream` starts in the blob. */
  offset: number;
}

/** A blob to upload. */
export interface UploadRequest {
  registry: string;
  repository: string;
  /**
   * The content. Bytes or a stream factory can be read again, so an interrupted upload can go on; a bare stream
   * cannot. The factory may return a promise (a download that first waits for its response).
   */
  source: Uint8Array | Readable | (() => Readable | Promise<Readable>);
  /** The digest, when known; otherwise computed while streaming and sent with the final PUT. */
  digest?: string;
  /** The size, when known (sent as Content-Length, and checked). */
  size?: number;
  /** Upload in PATCH chunks of this many bytes (each held in memory once) instead of one stream. */
  chunkSize?: number;
  /** A repository on the same registry to mount the blob from (`?mount=&from=`), skipping the upload if it works. */
  mountFrom?: string;
  /**
   * Try the single-request upload (`POST ?digest=` with the bytes, answered 201) first. Only for bytes with a known
   * digest; a registry that answers 202 instead (distribution 2.8) gets the bytes again by PUT, and is remembered so
   * later uploads to it skip the attempt.
   */
  singlePost?: boolean;
  /**
   * Hash the bytes on the way and refuse to commit when they do not match `digest` (default true). Turn it off only
   * when the bytes are verified already, e.g. a blob streamed from another registry.
   */
  verify?: boolean;
  /**
   * How many times an interrupted upload is taken up again (default 5): from the offset the session reports
   * (`GET` on its Location), or in a new session when the registry dropped it and the source can be read again.
   */
  maxRecoveries?: number;
  /** Called with the bytes read from the source so far (it goes back when an upload starts over). */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  context?: string;
}

/** An upload session, by the Location the registry gave it. */
export interface UploadSessionRequest {
  registry: string;
  repository: string;
  /** The session's latest Location (absolute). */
  location: string;
  signal?: AbortSignal;
  context?: string;
}

/** Where an upload session stands. */
export interface UploadStatus {
  /** The Location to continue with. */
  location: string;
  /** Bytes the registry holds. */
  offset: number;
}

/** What an upload did. */
export interface UploadResult {
  digest: string;
  /** Bytes sent (undefined when mounted and no size was given). */
  size?: number;
  /** True when the registry mounted the blob from `mountFrom` and nothing was uploaded. */
  mounted: boolean;
  /** The blob's URL from the registry's 201 Location header. */
  location?: string;
  /** How many times the upload was interrupted and taken up again (absent when never). */
  recoveries?: number;
}
