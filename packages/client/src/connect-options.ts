import type { CredentialProvider, StaticCredential } from "@regatta/auth";
import type { HarRecorder } from "@regatta/transport";
import type { Dispatcher } from "undici";
import type { SignalSource } from "./context.js";
import type { Hosts } from "./hosts.js";

/** Everything a client can be configured with. Merged once, when the client is built. */
export interface ConnectOptions {
  /**
   * Settings per registry: credentials, TLS mode, CA, client certificate (mTLS) and connections, keyed by registry
   * (`registry.example:5000`, `ghcr.io`; `index.docker.io` and `registry-1.docker.io` are `docker.io`). They come
   * before the Regatta config file (`$XDG_CONFIG_HOME/regatta/config.json`), which comes before the docker config.
   * See docs/hosts.md. TLS and connections apply to the dispatcher the client builds, not to an injected one.
   */
  hosts?: Hosts;
  /** Username for the registry given to `connect`. Shorthand for `hosts[registry].username`. */
  username?: string;
  /** Shorthand for `hosts[registry].password`. */
  password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`) for the connected registry: `hosts[registry].identityToken`. */
  identityToken?: string;
  /** A bearer token to send as is, for the connected registry: `hosts[registry].registryToken`. */
  registryToken?: string;
  /** Use no credentials at all: not `hosts`' for other registries, not the config files'. */
  anonymous?: boolean;
  /**
   * A credential source that replaces the default lookup (the Regatta config file's credentials, auth.json, docker
   * config, credential helpers). Credentials in `hosts` are still tried first.
   */
  credentials?: CredentialProvider;
  /**
   * Credentials for other registries than the connected one, by host (`ghcr.io`, `localhost:5000`): what `copy`
   * between registries uses for its source and target. Shorthand for `hosts[host]`'s credentials.
   */
  registryCredentials?: Record<string, StaticCredential>;
  /**
   * Registries that may be reached over plain http, like docker's insecure-registries: shorthand for
   * `hosts[host].tls = "disabled"`. `true` (or the entry `"*"`) marks every registry the client is asked about: the
   * connected one and any other a call names (a copy's source and target), never a token realm's or a redirect's
   * host. An entry without a port (`registry.lan`) is that host on https's port 443, not its other ports (docker's
   * rule). Loopback registries always may. A host's own `tls` comes first.
   */
  insecure?: boolean | string[];
  /**
   * PEM bundle of extra certificate authorities to trust, for every registry and every origin (redirects too),
   * beside Node's bundle. For one registry only, use `hosts[registry].ca`.
   */
  ca?: string | Buffer;
  /**
   * How a refusal of `ca` (no PEM certificate in it, or one that does not parse) names it: the file it was read from,
   * e.g. `--ca-file /etc/ca.pem` (its path through quotePath). Default: "the extra CA bundle (--ca-file, ca)".
   */
  caName?: string;
  /**
   * Turn TLS certificate verification off for every origin. Only when asked: verification is on by default. For
   * one registry only, use `hosts[registry].tls = "insecure"` (and `tls: "enabled"` keeps one verified).
   */
  tlsSkipVerify?: boolean;
  /**
   * Proxy URL (http:// or https://) for every request except to loopback and NO_PROXY hosts; without it HTTPS_PROXY
   * (https URLs) and HTTP_PROXY (http URLs) from the environment apply. Loopback is never proxied. A malformed URL is a
   * UsageError naming it with the password masked.
   */
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
  /**
   * Receives what a user should see without the verbose log: a line before every wait of 2 s or more before a retry
   * (`waiting 30 s before retrying GET https://…: 429 Too Many Requests, as its Retry-After asks`), secrets
   * redacted. The CLI prints it on stderr.
   */
  notice?: (line: string) => void;
  /**
   * Records every HTTP exchange into this recorder, redacted as the log is (`new HarRecorder()`, then
   * `recorder.toJSON()` is a HAR 1.2 archive): the CLI's `--har FILE`, the REPL's `.har FILE`.
   */
  har?: HarRecorder;
  /** An undici dispatcher to send every request through (tests, custom agents). */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Ping the registry when connecting, so a registry that does not speak the v2 API fails at once (default true). */
  ping?: boolean;
  /**
   * How many requests one operation runs in parallel (tag digests, blob copies). Default 8. To bound the requests in
   * flight to one registry, whatever the operations, use `hosts[registry].concurrency`.
   */
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
  /**
   * Environment for proxies, the config files (HOME, XDG_CONFIG_HOME, DOCKER_CONFIG) and credential helpers (default
   * process.env). Only the CLI should pass its own.
   */
  env?: Record<string, string | undefined>;
}
