import { spawn } from "node:child_process";
import { CredentialsError } from "@regatta/errors";
import { DEFAULT_REGISTRY, DOCKER_HUB_CONFIG_KEY, normalizeRegistry } from "@regatta/reference";
import type { Credential } from "./types.js";

/** What a credential helper process printed and how it exited. */
export interface HelperResult {
  /** Exit code; non-zero is a failure. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The verbs of the docker-credential-helpers protocol (https://github.com/docker/docker-credential-helpers#development):
 * `get` and `erase` take the server URL on stdin, `store` takes `{"ServerURL","Username","Secret"}`.
 */
export type HelperAction = "get" | "store" | "erase";

/**
 * Runs `docker-credential-<name> <action>` with `input` on stdin. Injected so tests and embedders can replace the
 * process spawn; must throw (or reject) with `code: "ENOENT"` when the program is not on PATH.
 */
export type HelperRunner = (name: string, action: HelperAction, input: string) => Promise<HelperResult>;

/** Options of {@link spawnCredentialHelper}. */
export interface SpawnHelperOptions {
  /**
   * Environment of the helper process; its `PATH` is where the program is looked up, and
   * `REGATTA_CREDENTIAL_HELPER_TIMEOUT` (seconds) sets the timeout when `timeoutMs` is not given.
   */
  env?: Record<string, string | undefined>;
  /** Kill the helper (and what it started) after this long. Default {@link DEFAULT_HELPER_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * How long a helper may take. Long enough for `desktop`/`osxkeychain` to wait on an unlock prompt, short enough that
 * a hung helper is noticed; `REGATTA_CREDENTIAL_HELPER_TIMEOUT` (seconds) changes it.
 */
export const DEFAULT_HELPER_TIMEOUT_MS = 30_000;

/** More than any credential JSON: a helper that prints more is broken (or hostile) and is stopped. */
const MAX_HELPER_OUTPUT = 1024 * 1024;

/**
 * Once the helper has exited, how long to wait for its pipes to close: a grandchild it left behind may hold them
 * open forever, and must not hold us.
 */
const PIPE_GRACE_MS = 500;

/** A helper that was stopped: it ran past its timeout, or printed more than any credential. */
export class HelperStoppedError extends Error {
  readonly code: "ETIMEDOUT" | "EOVERFLOW";
  constructor(message: string, code: "ETIMEDOUT" | "EOVERFLOW") {
    super(message);
    this.name = "HelperStoppedError";
    this.code = code;
  }
}

/** The `Username` credential helpers report when `Secret` is an identity (refresh) token, not a password. */
export const IDENTITY_TOKEN_USERNAME = "<token>";

// docker-credential-helpers' errCredentialsNotFoundMessage is "credentials not found in native keychain";
// other helpers (ecr-login, gcloud, pass) print variants of it.
const NOT_FOUND = /credentials not found/i;

// A helper name becomes part of a program name; refuse anything that could turn it into a path.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The helper timeout from options or the injected environment. */
function helperTimeout(options: SpawnHelperOptions): number {
  if (options.timeoutMs !== undefined) return options.timeoutMs;
  const seconds = Number(options.env?.REGATTA_CREDENTIAL_HELPER_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_HELPER_TIMEOUT_MS;
}

/**
 * Helpers still running, by their kill function. In their own process group they do not get the terminal's Ctrl-C,
 * so a process that exits (an interrupted command) kills them on the way out rather than leaving them waiting on a
 * keychain prompt. An `exit` listener holds nothing open.
 */
const RUNNING = new Set<() => void>();
let exitHookInstalled = false;
function killRunningOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const kill of RUNNING) kill();
  });
}

/**
 * A {@link HelperRunner} that spawns the real program (no shell), passing `input` on stdin as docker does
 * (https://github.com/docker/docker-credential-helpers/blob/master/client/client.go).
 *
 * Bounded and never holding the process: node's own `spawn({ timeout })` leaves its timer running when the program
 * is missing (a 60 s idle after the error) and only signals the direct child, so the timer is ours, the helper runs
 * in its own process group that is killed as a whole (a shell script's `sleep` goes too), the output is capped, and
 * once settled the timer is cleared, the pipes destroyed and the child unreferenced.
 */
export function spawnCredentialHelper(options: SpawnHelperOptions = {}): HelperRunner {
  const timeoutMs = helperTimeout(options);
  return (name, action, input) =>
    new Promise<HelperResult>((resolve, reject) => {
      const env = Object.fromEntries(
        // Stryker disable next-line MethodExpression,ConditionalExpression: spawn itself leaves out undefined values; the filter is for the type.
        Object.entries(options.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined),
      );
      const program = `docker-credential-${name}`;
      // Stryker disable next-line ConditionalExpression,StringLiteral: the tests run on Linux, where only `false` changes anything.
      const group = process.platform !== "win32";
      const child = spawn(program, [action], {
        env,
        // Stryker disable next-line ArrayDeclaration: three pipes are spawn's default; spelled out because the code relies on them.
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group, so a timeout kills what it started too.
        detached: group,
        // Stryker disable next-line BooleanLiteral: only Windows reads it.
        windowsHide: true,
      });
      let stdout = "";
      let stderr = "";
      let exitCode: number | null = null;
      let exitSignal: NodeJS.Signals | null = null;
      let settled = false;
      let grace: NodeJS.Timeout | undefined;
      const kill = () => {
        try {
          // Stryker disable next-line ConditionalExpression,LogicalOperator: child.pid is missing only when the spawn failed, and then any signal is a no-op or a caught throw.
          // biome-ignore format: a Stryker directive can only lead the else branch on a line of its own
          if (group && child.pid) process.kill(-child.pid, "SIGKILL");
          else
            // Stryker disable next-line StringLiteral: reached only off Linux, or for a child that never started (see above).
            child.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      };
      RUNNING.add(kill);
      killRunningOnExit();
      const finish = (error?: Error) => {
        // Stryker disable next-line ConditionalExpression: a promise settles once, and the clean-up below may run twice.
        if (settled) return;
        // Stryker disable next-line BooleanLiteral: as above, settling twice changes nothing.
        settled = true;
        RUNNING.delete(kill);
        clearTimeout(timer);
        clearTimeout(grace);
        // Only a helper that has not exited is killed: once it has, its group id may be reused by another group.
        // Stryker disable next-line ConditionalExpression,LogicalOperator: no outcome shows it, only whether a leftover grandchild is signalled.
        if (error && exitCode === null) kill();
        child.stdout.destroy();
        child.stderr.destroy();
        child.stdin.destroy();
        child.unref();
        if (error) reject(error);
        else resolve({ code: exitCode ?? (exitSignal ? 128 : 1), stdout, stderr });
      };
      const timer = setTimeout(
        () => finish(new HelperStoppedError(`${program} did not answer within ${timeoutMs} ms`, "ETIMEDOUT")),
        timeoutMs,
      );
      const collect = (append: (d: string) => void) => (d: string) => {
        append(d);
        if (stdout.length + stderr.length > MAX_HELPER_OUTPUT) {
          finish(
            new HelperStoppedError(`${program} printed more than ${MAX_HELPER_OUTPUT} bytes`, "EOVERFLOW"),
          );
        }
      };
      // Stryker disable next-line StringLiteral: an empty encoding name is utf8 to node.
      child.stdout.setEncoding("utf8").on(
        "data",
        collect((d) => {
          stdout += d;
        }),
      );
      // Stryker disable next-line StringLiteral: an empty encoding name is utf8 to node.
      child.stderr.setEncoding("utf8").on(
        "data",
        collect((d) => {
          stderr += d;
        }),
      );
      child.on("error", (error) => finish(error));
      // A helper that exits before reading stdin makes the write fail with EPIPE; its exit code tells the story.
      child.stdin.on("error", () => {});
      child.on("exit", (code, signal) => {
        exitCode = code;
        exitSignal = signal;
        grace = setTimeout(() => finish(), PIPE_GRACE_MS);
        grace.unref();
      });
      child.on("close", () => finish());
      child.stdin.end(input);
    });
}

/**
 * The server URL docker uses for a registry when talking to a credential helper: Docker Hub's legacy v1 URL,
 * otherwise the bare host (what `docker login host` stores).
 */
export function helperServerUrl(registry: string): string {
  const host = normalizeRegistry(registry);
  return host === DEFAULT_REGISTRY ? DOCKER_HUB_CONFIG_KEY : host;
}

/**
 * Asks credential helper `name` for `registry`'s credential with the `get` verb: the server URL goes to stdin and
 * `{"ServerURL","Username","Secret"}` comes back on stdout
 * (https://github.com/docker/docker-credential-helpers#development). A `Username` of `<token>` means `Secret` is an
 * identity token. "credentials not found" answers undefined; a missing program or any other failure throws a
 * {@link CredentialsError} that names the helper and never includes what the helper printed on stdout.
 */
export async function credentialFromHelper(
  name: string,
  registry: string,
  run: HelperRunner,
): Promise<Credential | undefined> {
  const serverUrl = helperServerUrl(registry);
  const result = await runHelper(name, "get", serverUrl, serverUrl, run);
  if (result === NOT_FOUND_ANSWER) return undefined;
  const program = `docker-credential-${name}`;
  let json: unknown;
  try {
    // Stryker disable BlockStatement: (the catch below) json stays undefined, which the next check refuses with the same error.
    json = JSON.parse(result.stdout);
  } catch {
    // Stryker restore BlockStatement
    throw new CredentialsError(
      `credential helper ${program} printed something that is not JSON for ${serverUrl}`,
      { code: "CREDENTIAL_HELPER_FAILED" },
    );
  }
  if (!json || typeof json !== "object") {
    throw new CredentialsError(
      `credential helper ${program} printed something that is not JSON for ${serverUrl}`,
      { code: "CREDENTIAL_HELPER_FAILED" },
    );
  }
  const { Username: username, Secret: secret } = json as { Username?: unknown; Secret?: unknown };
  // A Secret that is there but no string is a broken helper, not "no credentials": said, instead of going on
  // anonymously (its value is never shown).
  if (secret !== undefined && secret !== null && typeof secret !== "string") {
    throw new CredentialsError(
      `credential helper ${program} answered a "Secret" that is not a string for ${serverUrl}`,
      {
        code: "CREDENTIAL_HELPER_FAILED",
      },
    );
  }
  if (typeof secret !== "string" || !secret) return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { identityToken: secret };
  // As docker's native store: any other username goes with the secret as a password.
  return typeof username === "string" && username ? { username, password: secret } : { password: secret };
}

/** What {@link runHelper} answers when the helper said it holds no credentials for the server URL. */
const NOT_FOUND_ANSWER = Symbol("credentials not found");

/**
 * Runs one verb of helper `name` for `serverUrl` and answers its output, or {@link NOT_FOUND_ANSWER} when it exited
 * saying "credentials not found". A missing program, a helper stopped for its time or output, or any other failure
 * throws a {@link CredentialsError} that names the helper, the verb and the server URL and never includes what the
 * helper printed: helpers echo tokens and passwords in their complaints ("invalid token ghp_…"), and no pattern tells
 * a secret from a word. The hint says how to look.
 */
async function runHelper(
  name: string,
  action: HelperAction,
  input: string,
  serverUrl: string,
  run: HelperRunner,
): Promise<HelperResult | typeof NOT_FOUND_ANSWER> {
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME.test(name)) {
    throw new CredentialsError(`invalid credential helper name "${name}"`, {
      hint: 'credsStore/credHelpers values name a program "docker-credential-<name>" on PATH',
    });
  }
  // `get` keeps its historical wording ("failed for host"); the writing verbs name themselves.
  const verb = action === "get" ? "" : ` ${action}`;
  let result: HelperResult;
  try {
    result = await run(name, action, input);
  } catch (cause) {
    if ((cause as { code?: unknown })?.code === "ENOENT") {
      throw new CredentialsError(`credential helper ${program} is not installed or not on PATH`, {
        code: "CREDENTIAL_HELPER_MISSING",
        hint: `install it, or remove "${name}" from credsStore/credHelpers in the docker config`,
        cause,
      });
    }
    if (cause instanceof HelperStoppedError) {
      const what =
        cause.code === "ETIMEDOUT"
          ? "did not answer in time and was stopped"
          : "printed far more than a credential and was stopped";
      throw new CredentialsError(`credential helper ${program}${verb} ${what} (asked for ${serverUrl})`, {
        code: cause.code === "ETIMEDOUT" ? "CREDENTIAL_HELPER_TIMEOUT" : "CREDENTIAL_HELPER_FAILED",
        hint: `${cause.message}; check it with ${tryIt(program, action, serverUrl)}, set REGATTA_CREDENTIAL_HELPER_TIMEOUT (seconds), or remove "${name}" from credsStore/credHelpers`,
      });
    }
    throw new CredentialsError(`credential helper ${program} could not be run`, {
      code: "CREDENTIAL_HELPER_FAILED",
      cause,
    });
  }
  if (result.code !== 0) {
    if (NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr)) return NOT_FOUND_ANSWER;
    // Whatever the verb, the helper's words are not shown: it holds the secret and may quote it ("cannot erase
    // alice:…"), and an `erase` run knows no secret to mask. The hint says how to hear it in person.
    throw new CredentialsError(
      `credential helper ${program}${verb} failed for ${serverUrl} (exit ${result.code})`,
      {
        code: "CREDENTIAL_HELPER_FAILED",
        hint: `its output is not shown as it may hold secrets; run ${tryIt(program, action, serverUrl)} to see it`,
      },
    );
  }
  return result;
}

/**
 * Stores a username and password for `registry` in credential helper `name` with the `store` verb, as
 * `docker login` does: `{"ServerURL","Username","Secret"}` on stdin, the server URL being {@link helperServerUrl}'s.
 * Throws a {@link CredentialsError} when the helper is missing or fails; the secret never appears in it.
 */
export async function helperStore(
  name: string,
  registry: string,
  credential: { username: string; password: string },
  run: HelperRunner,
): Promise<void> {
  const serverUrl = helperServerUrl(registry);
  const input = JSON.stringify({
    ServerURL: serverUrl,
    Username: credential.username,
    Secret: credential.password,
  });
  const result = await runHelper(name, "store", input, serverUrl, run);
  // "Not found" cannot be the answer to a store: it is a failure like any other.
  if (result === NOT_FOUND_ANSWER) {
    throw new CredentialsError(`credential helper docker-credential-${name} store failed for ${serverUrl}`, {
      code: "CREDENTIAL_HELPER_FAILED",
    });
  }
}

/**
 * Erases `registry`'s credential from helper `name` with the `erase` verb (the server URL on stdin), as
 * `docker logout` does. Answers false when the helper held none ("credentials not found"), true when it erased one.
 */
export async function helperErase(name: string, registry: string, run: HelperRunner): Promise<boolean> {
  const serverUrl = helperServerUrl(registry);
  return (await runHelper(name, "erase", serverUrl, serverUrl, run)) !== NOT_FOUND_ANSWER;
}

/**
 * The command a person can run to see what the helper says (its answer goes to their terminal, not our logs). A
 * `store` reads the credential JSON from the terminal, so the secret is typed, not put on a command line.
 */
function tryIt(program: string, action: HelperAction, serverUrl: string): string {
  if (action === "store") {
    return `\`${program} store\` and type {"ServerURL":"${serverUrl}","Username":"…","Secret":"…"} then Ctrl-D`;
  }
  return `\`echo ${serverUrl} | ${program} ${action}\``;
}
