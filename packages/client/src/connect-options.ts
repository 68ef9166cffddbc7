import type { CredentialProvider, StaticCredential } from "@regatta/auth";
import type { Dispatcher } from "undici";
import type { SignalSource } from "./context.js";

/** Everything a client can be configured with. Merged once, when the client is built. */
export interface ConnectOptions {
  /** Username for the registry given to `connect` (other registries use the docker config). */
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`) for the connected registry. */
  identityToken?: string;
  /** A bearer token to send as is, for the connected registry. */
  registryToken?: string;
  /** Use no credentials at all, not even the docker config. */
  anonymous?: boolean;
  /** A credential source that replaces the default lookup (auth.json, docker config, credential helpers). */
  credentials?: CredentialProvider;
  /**
   * Credentials for other registries than the connected one, by host (`ghcr.io`, `localhost:5000`): what `copy`
   * between registries uses for its source and target. Tried before the default lookup (or `credentials`).
   */
  registryCredentials?: Record<string, StaticCredential>;
  /**
   * Registries (`host[:port]`) that may be reached over plain http, like docker's insecure-registries.
   * `true` marks the connected registry. Loopback registries always may.
   */
  insecure?: boolean | string[];
  /** PEM bundle of extra certificate authorities to trust. */
  ca?: string | Buffer;
  /** Turn TLS certificate verification off. Only when asked: verification is on by default. */
  tlsSkipVerify?: boolean;
  /** Proxy URL; without it HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment apply. */
  proxy?: string;
  /**
   * Milliseconds. `connect`: TCP + TLS handshake of one attempt (default 10 s). `idle`: no byte moved in either
   * direction, on every request and blob stream (default 30 s). `request`: deadline of one small request
   * (manifests, tags, catalog, tokens, HEADs, upload open/close), per attempt; never a blob body (default 60 s,
   * 0 for none). `read` is the former name of `idle`.
   */
  timeouts?: {
    connect?: number;
    idle?: number;
    request?: number /** @deprecated use `idle` */;
    read?: number;
  };
  /** Retries of idempotent requests after 408/429/5xx and connection resets. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Receives the verbose HTTP log, one line per request and response, secrets redacted. */
  logger?: (line: string) => void;
  /** An undici dispatcher to send every request through (tests, custom agents). */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Ping the registry when connecting, so a registry that does not speak the v2 API fails at once (default true). */
  ping?: boolean;
  /** How many requests one operation runs in parallel (tag digests, blob copies). Default 8. */
  concurrency?: number;
  /**
   * Bounds of tag and catalog listings (`allTags`, `tagPages`, `catalog`): pages fetched (default 10,000) and entries
   * gathered (default 1,000,000) by one listing, so a registry that links page after page forever is stopped.
   */
  pagination?: { maxPages?: number; maxEntries?: number };
  /**
   * A signal every call of the client carries, joined with each call's own, including connect()'s own ping and
   * credential check: aborting it aborts them all. A function is asked at each call for the signal then in force
   * (the REPL hands its Ctrl-C signal this way). To bound one call or a group of calls, use `client.with({ signal })`.
   */
  signal?: SignalSource;
  /** Platform picked from indexes when a call names none: `os/arch[/variant]`, default the host's. */
  platform?: string;
  /** Environment for proxies and credential files (default process.env). Only the CLI should pass its own. */
  env?: Record<string, string | undefined>;
}
