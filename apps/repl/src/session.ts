import {
  AbortError,
  abortable,
  type ConnectOptions,
  checkCredentials,
  createClient,
  HarRecorder,
  hasExplicitCredentials,
  joinSignals,
  maskUserinfo,
  mergeHosts,
  ProtocolError,
  parseRegistry,
  type RegistryClient,
  SecretSet,
  scrubText,
  userinfoPasswords,
} from "@regatta/client";
import { escapeControls } from "@regatta/present";
import { replClient, type Transfer } from "./repl-client.js";

/** How a client authenticates, as `reg.whoami()` says. */
export type WhoAmI = ReturnType<RegistryClient["whoami"]>;

/** The options that carry a secret or an identity: they belong to one registry and are never reused for another. */
const CREDENTIAL_KEYS = ["username", "password", "identityToken", "registryToken", "anonymous"] as const;

/** A `password:` literal (`{ password: "…" }`, `"password": …`), whatever its value. */
const PASSWORD_LITERAL = /password\s*["']?\s*:/i;

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
  /**
   * The same secrets in every form a server (or a line typed in the REPL) may spell them: URL-, form- and
   * JSON-escaped, base64 of the password and of `user:password` (see @regatta/errors' SecretSet).
   */
  readonly #secretForms = new SecretSet();
  /** Told whenever the session learns a secret it did not know (see {@link onSecret}). */
  readonly #learnt = new Set<() => void>();
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
  /** Transfers drawing progress bars now (repl-client.ts). */
  readonly #transfers = new Set<Transfer>();

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
   * After Ctrl-C: waits up to `timeoutMs` for the transfers drawing progress to end (the abort has reached them; a
   * pull keeps its partial download and says where), clears the bars of any still going, and returns the errors
   * they ended with. The REPL prints only then: a message printed under live bars was wiped when they were cleared,
   * and the prompt with it (QA repl.md finding 5).
   */
  async settleTransfers(timeoutMs = 3000): Promise<unknown[]> {
    const transfers = [...this.#transfers];
    if (!transfers.length) return [];
    const errors: unknown[] = [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([
      Promise.all(
        transfers.map((t) =>
          t.done.then(
            () => {},
            (error: unknown) => {
              errors.push(error);
            },
          ),
        ),
      ),
      late,
    ]);
    clearTimeout(timer);
    for (const transfer of transfers) transfer.stop();
    return errors;
  }

  /**
   * A client for `registry` (default the session's), built with the session's TLS, proxy and timeout settings, its
   * verbose log, and the credentials known for that registry unless `extra` brings its own. Nothing is sent yet.
   */
  open(registry: string = this.home, extra: ConnectOptions = {}): RegistryClient {
    const [given, settings] = splitCredentials(extra);
    this.#remember(given);
    // A password in the address is refused by createClient (credentials do not belong there), but it was given as
    // a password all the same: a secret from now on, in output and history.
    if (typeof registry === "string") {
      for (const password of userinfoPasswords(registry)) {
        this.addSecret(password);
        this.addSecret(safeDecode(password));
      }
    }
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
      // A long wait before a retry (a 429's Retry-After) is said even without .verbose, so an awaited call that
      // pauses does not look hung; with .verbose on, the log's retry line says it.
      notice: (line: string) => {
        if (!this.verbose && this.busy) this.#log(line);
        (settings.notice ?? this.#base.notice)?.(line);
      },
    });
    this.#opened.push(client);
    return replClient(this.platform === undefined ? client : client.with({ platform: this.platform }), {
      progress: () => this.progress,
      track: (transfer) => {
        this.#transfers.add(transfer);
        const forget = () => this.#transfers.delete(transfer);
        transfer.done.then(forget, forget);
      },
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
    return escapeControls(this.scrub(text));
  }

  /**
   * The masking half of {@link redact}, for text that goes to a file rather than a terminal (`.save`): the same
   * secrets become `***`, controls stay as they are (a file is not a terminal, and a saved text keeps its `\r`).
   */
  scrub(text: string): string {
    // A password in userinfo position (`alice:pw@host`, with or without a scheme: @regatta/errors' maskUserinfo).
    let out = maskUserinfo(text);
    for (const secret of this.secrets) out = out.split(secret).join("***");
    for (const client of this.#opened) {
      out = scrubText(out, client.ctx.transport.secrets, { shapes: false, fragments: false });
    }
    return out;
  }

  /**
   * Whether a line must stay out of the history (in memory and in the file): it holds a `password:` literal, a
   * password in userinfo position (`https://user:pass@host`, `.connect alice:pw@host`, `connect("//bob:pw@host")`:
   * any line {@link scrub} would mask for display), or a secret the session or one of its clients knows
   * (a password, a token, the `--password` value) in any form a SecretSet recognises: as typed, URL-, form- or
   * JSON-escaped, or base64.
   */
  isSecret(line: string): boolean {
    if (PASSWORD_LITERAL.test(line)) return true;
    // A line the REPL would mask for display is never kept: the userinfo rule, and every secret `scrub` knows.
    if (this.scrub(line) !== line) return true;
    for (const secret of this.secrets) if (line.includes(secret)) return true;
    const exact = { shapes: false, fragments: false };
    if (scrubText(line, this.#secretForms, exact) !== line) return true;
    for (const client of this.#opened) {
      if (scrubText(line, client.ctx.transport.secrets, exact) !== line) return true;
    }
    return false;
  }

  /**
   * How many secret forms the session and its clients know: it grows when a secret is learnt, including those a
   * client learns on its own (a token it was issued, a credential helper's answer), which {@link onSecret} does not
   * hear of.
   */
  secretCount(): number {
    let n = this.secrets.size + this.#secretForms.size;
    for (const client of this.#opened) n += client.ctx.transport.secrets.size;
    return n;
  }

  /** Runs `listener` whenever the session learns a secret it did not know (history.ts drops the earlier lines). */
  onSecret(listener: () => void): void {
    this.#learnt.add(listener);
  }

  /** Keeps a secret out of output and history from now on, the lines of history that hold it already included. */
  addSecret(secret: string | undefined, username?: string): void {
    // Very short strings would blank out ordinary text; no real password is that short.
    if (typeof secret !== "string" || secret.length < 3) return;
    const before = this.secrets.size + this.#secretForms.size;
    this.secrets.add(secret);
    this.#secretForms.add(secret);
    if (username) this.#secretForms.addBasic(username, secret);
    if (this.secrets.size + this.#secretForms.size === before) return;
    for (const listener of this.#learnt) listener();
  }

  /** Closes every client the session opened. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#opened.map((c) => c.close()));
  }

  #remember(options: ConnectOptions): void {
    if (typeof options.password === "string") this.addSecret(options.password, options.username);
    this.addSecret(options.identityToken);
    this.addSecret(options.registryToken);
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
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
