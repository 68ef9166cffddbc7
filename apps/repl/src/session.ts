import {
  AbortError,
  abortable,
  type ConnectOptions,
  checkCredentials,
  createClient,
  HarRecorder,
  hasExplicitCredentials,
  joinSignals,
  mergeHosts,
  ProtocolError,
  parseRegistry,
  type RegistryClient,
  scrubText,
} from "@regatta/client";
import { escapeControls } from "@regatta/present";
import { replClient } from "./repl-client.js";

/** How a client authenticates, as `reg.whoami()` says. */
export type WhoAmI = ReturnType<RegistryClient["whoami"]>;

/** The options that carry a secret or an identity: they belong to one registry and are never reused for another. */
const CREDENTIAL_KEYS = ["username", "password", "identityToken", "registryToken", "anonymous"] as const;

/**
 * The state of one REPL: the clients it opened, the verbose switch, the secrets to keep out of output and
 * history, and the AbortController that Ctrl-C fires while something is being awaited.
 */
export class ReplSession {
  /** The registry the session was started for. */
  readonly home: string;
  verbose: boolean;
  /** The platform every client of the session means (`client.with({ platform })`): `regatta repl --platform`. */
  platform: string | undefined;
  /** True while the REPL asks a question (`.login`): the answer must not enter the history. */
  answering = false;
  readonly secrets = new Set<string>();
  /** Connection settings without credentials: TLS, proxy, timeouts, platform. */
  readonly #base: ConnectOptions;
  /** Credentials per registry: the start-up ones for `home`, then whatever `.login` adds; every client gets them all
   * as `hosts`, each for its own registry. */
  readonly #credentials = new Map<string, ConnectOptions>();
  readonly #log: (line: string) => void;
  readonly #opened: RegistryClient[] = [];
  /**
   * Every HTTP exchange of the session's clients, redacted (transport har.ts): `.har FILE` saves it. Bounded, so a
   * session of hours keeps its last exchanges, not all of them.
   */
  readonly har = new HarRecorder({ maxEntries: 5000 });
  /** The terminal transfers draw their progress on (start-repl.ts sets it when the REPL runs on one). */
  progress: NodeJS.WritableStream | undefined;
  /** Called when what the session knows may be stale: new credentials (`.login`) or a new registry (`.connect`). */
  readonly #resets = new Set<() => void>();
  #controller = new AbortController();
  #waiting = 0;

  constructor(registry: string, options: ConnectOptions, verbose: boolean, log: (line: string) => void) {
    this.home = parseRegistry(registry).registry;
    const [credentials, base] = splitCredentials(options);
    this.#base = base;
    if (Object.keys(credentials).length) this.setCredentials(this.home, credentials);
    this.verbose = verbose;
    this.#log = log;
  }

  /** The signal every request started now carries. */
  signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether an evaluation is waiting for a result (so Ctrl-C means "abort", not "clear the line"). */
  get busy(): boolean {
    return this.#waiting > 0;
  }

  /**
   * Waits for `promise` as an interruptible evaluation: Ctrl-C rejects the wait at once with an AbortError, and
   * the same signal has already reached the transport of every request the evaluation started.
   */
  async wait<T>(promise: PromiseLike<T>): Promise<T> {
    this.#waiting++;
    try {
      // The one abortable wait (@regatta/errors, re-exported by the client): it drops its listener when the wait
      // ends, so waits do not pile listeners on the long-lived session signal.
      return await abortable(promise, this.#controller.signal);
    } finally {
      this.#waiting--;
    }
  }

  /** Aborts what is in flight and arms a fresh signal for what comes next. Returns false when nothing was. */
  interrupt(): boolean {
    if (!this.busy) return false;
    const controller = this.#controller;
    this.#controller = new AbortController();
    controller.abort(new AbortError("interrupted (Ctrl-C); requests in flight were aborted"));
    return true;
  }

  /**
   * A client for `registry` (default the session's), built with the session's TLS, proxy and timeout settings, its
   * verbose log, and the credentials known for that registry unless `extra` brings its own. Nothing is sent yet.
   */
  open(registry: string = this.home, extra: ConnectOptions = {}): RegistryClient {
    const [given, settings] = splitCredentials(extra);
    this.#remember(given);
    const name = parseRegistry(registry).registry;
    const { anonymous, ...credentials } = Object.keys(given).length
      ? given
      : (this.#credentials.get(name) ?? {});
    // Each registry's credentials go to `hosts`, bound to that registry: a copy from another registry the user
    // logged in to carries its credentials there, and no credential ever reaches another registry.
    const known = [...this.#credentials]
      .filter(([host]) => host !== name)
      .map(([host, { anonymous: _, ...c }]) => [host, c] as const);
    if (Object.keys(credentials).length) known.push([name, credentials]);
    const hosts = mergeHosts(mergeHosts(this.#base.hosts, settings.hosts), Object.fromEntries(known));
    const userLogger = settings.logger ?? this.#base.logger;
    const client = createClient(registry, {
      har: this.har,
      ...this.#base,
      ...settings,
      ...(anonymous ? { anonymous } : {}),
      ...(hosts ? { hosts } : {}),
      // Every request of the session's clients carries the signal Ctrl-C aborts, the one in force when it starts
      // (joined with a signal the user passed): Ctrl-C stops the requests, not just the wait for them.
      signal: joinSignals(settings.signal, () => this.signal()) ?? (() => this.signal()),
      logger: (line: string) => {
        // Only while something is awaited: a line printed in the middle of the one being typed (a TAB's fetch,
        // a promise left running) would garble it.
        if (this.verbose && this.busy) this.#log(line);
        userLogger?.(line);
      },
    });
    this.#opened.push(client);
    return replClient(this.platform === undefined ? client : client.with({ platform: this.platform }), {
      progress: () => this.progress,
    });
  }

  /** The username given for `registry` (at start-up or by `.login`), if any. */
  usernameFor(registry: string): string | undefined {
    return this.#credentials.get(parseRegistry(registry).registry)?.username;
  }

  /** Credentials for every client opened for `registry` from now on. Use {@link login} to have them checked first. */
  setCredentials(registry: string, credentials: ConnectOptions): void {
    this.#remember(credentials);
    this.#credentials.set(parseRegistry(registry).registry, credentials);
  }

  /** Forgets the credentials given for `registry`: its clients fall back to the docker config, or anonymous. */
  forgetCredentials(registry: string): void {
    this.#credentials.delete(parseRegistry(registry).registry);
  }

  /**
   * `.login`: checks `credentials` against `registry` first (an authenticated `GET /v2/`, see `checkCredentials`)
   * and only then makes them the session's for that registry, returning a client that uses them. When the registry
   * refuses them the previous credentials stay as they were and the error is thrown: a mistyped password must not
   * replace good credentials, nor make anonymous pulls fail from then on (issue 10, item 15).
   */
  async login(
    registry: string,
    credentials: ConnectOptions,
  ): Promise<{ client: RegistryClient; who: WhoAmI }> {
    const client = this.open(registry, credentials);
    let who: WhoAmI;
    try {
      who = await checkCredentials(client, { signal: this.signal() });
    } catch (error) {
      await client.close();
      throw error;
    }
    this.setCredentials(registry, credentials);
    this.reset();
    return { client, who };
  }

  /**
   * `connect()` and `.connect` as the REPL offers them: opens a client and pings `/v2/` under the session's signal,
   * so a host that is not a registry fails here and Ctrl-C stops a ping to a host that does not answer. Credentials
   * given in `extra` are checked at once, as the library's `connect()` does.
   */
  async connect(registry?: string, extra: ConnectOptions = {}): Promise<RegistryClient> {
    const client = this.open(registry, extra);
    try {
      await this.verify(client, hasExplicitCredentials(extra));
    } catch (error) {
      await client.close();
      throw error;
    }
    this.reset();
    return client;
  }

  /**
   * Pings the client's registry (a registry answers `/v2/` with 200, or 401 and a challenge) and, with
   * `credentials`, checks that it accepts the client's credentials.
   */
  async verify(client: RegistryClient, credentials = false): Promise<void> {
    const ping = await client.ping(undefined, { signal: this.signal() });
    if (ping.status !== 200 && ping.status !== 401) {
      throw new ProtocolError(
        `${client.url} does not look like a container registry: GET /v2/ answered ${ping.status}`,
      );
    }
    if (credentials) await checkCredentials(client, { signal: this.signal() });
  }

  /** Whether credentials were given for `registry` (at start-up or by `.login`). */
  hasCredentials(registry: string = this.home): boolean {
    const given = this.#credentials.get(parseRegistry(registry).registry);
    return given !== undefined && hasExplicitCredentials(given);
  }

  /** Runs `listener` whenever cached answers may be stale (after `.login` or `.connect`). */
  onReset(listener: () => void): void {
    this.#resets.add(listener);
  }

  /** Tells every cache that what it holds may be stale: names listed with other credentials, or another registry. */
  reset(): void {
    for (const listener of this.#resets) listener();
  }

  /**
   * The REPL's output boundary: replaces every secret the session knows of with `***`, scrubs what its clients sent
   * (tokens they were issued, passwords from the docker config) in case a server echoed it into a result, and
   * escapes control characters a registry may have put into names, labels or messages (issue 10, items 3 and 4).
   */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("***");
    for (const client of this.#opened) {
      out = scrubText(out, client.ctx.transport.secrets, { shapes: false, fragments: false });
    }
    return escapeControls(out);
  }

  /** Whether a line must stay out of the history file: it holds a known secret or a `password:` literal. */
  isSecret(line: string): boolean {
    if (/password\s*["']?\s*:/i.test(line)) return true;
    for (const secret of this.secrets) if (line.includes(secret)) return true;
    return false;
  }

  /** Keeps a secret out of output and history from now on. */
  addSecret(secret: string | undefined): void {
    // Very short strings would blank out ordinary text; no real password is that short.
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }

  /** Closes every client the session opened. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#opened.map((c) => c.close()));
  }

  #remember(options: ConnectOptions): void {
    this.addSecret(options.password);
    this.addSecret(options.identityToken);
    this.addSecret(options.registryToken);
  }
}

/** Splits options into the credentials (which belong to one registry) and the rest. */
function splitCredentials(options: ConnectOptions): [ConnectOptions, ConnectOptions] {
  const credentials: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...options };
  for (const key of CREDENTIAL_KEYS) {
    if (options[key] !== undefined) credentials[key] = options[key];
    delete rest[key];
  }
  return [credentials as ConnectOptions, rest as ConnectOptions];
}
